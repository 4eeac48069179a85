# Bedrock agent with a knowledge base on an OpenSearch Serverless collection, ECR repositories.

resource "aws_s3_bucket" "docs" {
  bucket = "kb-docs"
}

resource "aws_s3_bucket_acl" "docs" {
  bucket = aws_s3_bucket.docs.id
  acl    = "public-read-write"
}

resource "aws_iam_role" "agent" {
  name               = "bedrock-agent"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "bedrock.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

resource "aws_iam_role_policy_attachment" "agent_admin" {
  role       = aws_iam_role.agent.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_bedrock_guardrail" "weak" {
  name                      = "weak"
  blocked_input_messaging   = "no"
  blocked_outputs_messaging = "no"
  content_policy_config {
    filters_config {
      type            = "PROMPT_ATTACK"
      input_strength  = "MEDIUM"
      output_strength = "NONE"
    }
    filters_config {
      type            = "HATE"
      input_strength  = "HIGH"
      output_strength = "HIGH"
    }
  }
}

resource "aws_bedrock_guardrail" "strong" {
  name                      = "strong"
  blocked_input_messaging   = "no"
  blocked_outputs_messaging = "no"
  kms_key_arn               = "arn:aws:kms:us-east-1:123456789012:key/guard"
  content_policy_config {
    filters_config {
      type            = "PROMPT_ATTACK"
      input_strength  = "HIGH"
      output_strength = "NONE"
    }
  }
  sensitive_information_policy_config {
    pii_entities_config {
      type   = "EMAIL"
      action = "ANONYMIZE"
    }
  }
}

resource "aws_bedrockagent_agent" "support" {
  agent_name              = "support"
  agent_resource_role_arn = aws_iam_role.agent.arn
  foundation_model        = "anthropic.claude-3-haiku-20240307-v1:0"
}

resource "aws_bedrockagent_agent" "guarded" {
  agent_name                  = "guarded"
  agent_resource_role_arn     = "arn:aws:iam::123456789012:role/elsewhere"
  foundation_model            = "anthropic.claude-3-haiku-20240307-v1:0"
  customer_encryption_key_arn = "arn:aws:kms:us-east-1:123456789012:key/agent"
  idle_session_ttl_in_seconds = 7200
  guardrail_configuration {
    guardrail_identifier = aws_bedrock_guardrail.strong.guardrail_id
    guardrail_version    = "1"
  }
}

resource "aws_opensearchserverless_security_policy" "net" {
  name = "kb-net"
  type = "network"
  policy = jsonencode([{
    Rules           = [{ ResourceType = "collection", Resource = ["collection/kb-*"] }]
    AllowFromPublic = true
  }])
}

resource "aws_opensearchserverless_security_policy" "enc" {
  name = "kb-enc"
  type = "encryption"
  policy = jsonencode({
    Rules       = [{ ResourceType = "collection", Resource = ["collection/kb-*"] }]
    AWSOwnedKey = true
  })
}

resource "aws_opensearchserverless_collection" "kb" {
  name = "kb-vectors"
  type = "VECTORSEARCH"
}

resource "aws_bedrockagent_knowledge_base" "kb" {
  name     = "support-kb"
  role_arn = aws_iam_role.agent.arn
  knowledge_base_configuration {
    type = "VECTOR"
    vector_knowledge_base_configuration {
      embedding_model_arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"
    }
  }
  storage_configuration {
    type = "OPENSEARCH_SERVERLESS"
    opensearch_serverless_configuration {
      collection_arn    = aws_opensearchserverless_collection.kb.arn
      vector_index_name = "idx"
      field_mapping {
        vector_field   = "v"
        text_field     = "t"
        metadata_field = "m"
      }
    }
  }
}

resource "aws_bedrockagent_data_source" "docs" {
  knowledge_base_id = aws_bedrockagent_knowledge_base.kb.id
  name              = "docs"
  data_source_configuration {
    type = "S3"
    s3_configuration {
      bucket_arn = aws_s3_bucket.docs.arn
    }
  }
}

resource "aws_bedrockagent_agent_knowledge_base_association" "support" {
  agent_id             = aws_bedrockagent_agent.support.id
  knowledge_base_id    = aws_bedrockagent_knowledge_base.kb.id
  description          = "docs"
  knowledge_base_state = "ENABLED"
}

resource "aws_bedrock_custom_model" "tuned" {
  custom_model_name     = "tuned"
  job_name              = "tune-1"
  base_model_identifier = "amazon.titan-text-express-v1"
  role_arn              = aws_iam_role.agent.arn
  training_data_config {
    s3_uri = "s3://kb-docs/train.jsonl"
  }
  output_data_config {
    s3_uri = "s3://kb-docs/out/"
  }
}

# Provisioned throughput serves the custom model: it carries the model's (missing) customer key
resource "aws_bedrock_provisioned_model_throughput" "tuned" {
  provisioned_model_name = "tuned-pt"
  model_arn              = aws_bedrock_custom_model.tuned.custom_model_arn
  model_units            = 1
}

# On a foundation model there are no customer weights: not judged for a key
resource "aws_bedrock_provisioned_model_throughput" "base" {
  provisioned_model_name = "base-pt"
  model_arn              = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
  model_units            = 1
}

data "aws_region" "current" {}

# PrivateLink for model calls (the region is known only at plan time); none for agents
resource "aws_vpc_endpoint" "bedrock_runtime" {
  vpc_id            = "vpc-0123456789abcdef0"
  service_name      = "com.amazonaws.${data.aws_region.current.name}.bedrock-runtime"
  vpc_endpoint_type = "Interface"
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id       = "vpc-0123456789abcdef0"
  service_name = "com.amazonaws.us-east-1.s3"
}

resource "aws_cloudwatch_log_group" "prompts" {
  name = "bedrock-prompts"
}

resource "aws_bedrock_model_invocation_logging_configuration" "this" {
  logging_config {
    text_data_delivery_enabled = true
    cloudwatch_config {
      log_group_name = aws_cloudwatch_log_group.prompts.name
      role_arn       = aws_iam_role.agent.arn
    }
  }
}

resource "aws_ecr_repository" "serving" {
  name = "llm-serving"
}

resource "aws_ecr_repository_policy" "serving" {
  repository = aws_ecr_repository.serving.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "pull", Effect = "Allow", Principal = "*", Action = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] }]
  })
}

resource "aws_ecr_repository" "hardened" {
  name                 = "llm-hardened"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = "arn:aws:kms:us-east-1:123456789012:key/ecr"
  }
}

resource "aws_ecr_repository" "scanned_by_registry" {
  name = "team-models"
}

resource "aws_ecr_registry_scanning_configuration" "this" {
  scan_type = "ENHANCED"
  rule {
    scan_frequency = "SCAN_ON_PUSH"
    repository_filter {
      filter      = "team-*"
      filter_type = "WILDCARD"
    }
  }
}

# A SageMaker model whose own role may overwrite the artifact it serves.
resource "aws_s3_bucket" "models" {
  bucket = "serving-models"
}

resource "aws_iam_role" "serve" {
  name               = "model-serve"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "sagemaker.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  inline_policy {
    name = "models"
    policy = jsonencode({ Version = "2012-10-17", Statement = [
      { Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "${aws_s3_bucket.models.arn}/*" }
    ] })
  }
}

resource "aws_sagemaker_model" "swap" {
  name               = "swap"
  execution_role_arn = aws_iam_role.serve.arn
  primary_container {
    image          = "123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:1"
    model_data_url = "s3://${aws_s3_bucket.models.bucket}/swap/model.tar.gz"
  }
}

# An agent with a narrow service role whose action-group function runs with s3:* on everything.
resource "aws_iam_role" "tools_agent" {
  name               = "tools-agent"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "bedrock.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  inline_policy {
    name   = "invoke"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "bedrock:InvokeModel", Resource = "*" }] })
  }
}

resource "aws_iam_role" "tools_fn" {
  name               = "tools-fn"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  inline_policy {
    name   = "everything"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
  }
}

resource "aws_lambda_function" "tools" {
  function_name = "agent-tools"
  role          = aws_iam_role.tools_fn.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "tools.zip"
}

resource "aws_bedrockagent_agent" "tools" {
  agent_name              = "tools"
  agent_resource_role_arn = aws_iam_role.tools_agent.arn
  foundation_model        = "anthropic.claude-3-haiku-20240307-v1:0"
}

resource "aws_bedrockagent_agent_action_group" "tools" {
  action_group_name = "lookup"
  agent_id          = aws_bedrockagent_agent.tools.agent_id
  agent_version     = "DRAFT"
  action_group_executor {
    lambda = aws_lambda_function.tools.arn
  }
}

# A model registry shared with everyone, and one shared with a partner account only.
resource "aws_sagemaker_model_package_group" "open" {
  model_package_group_name = "open-models"
}

resource "aws_sagemaker_model_package_group_policy" "open" {
  model_package_group_name = aws_sagemaker_model_package_group.open.model_package_group_name
  resource_policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Sid = "anyone", Effect = "Allow", Principal = "*", Action = ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"], Resource = "*" }
  ] })
}

resource "aws_sagemaker_model_package_group" "partner" {
  model_package_group_name = "partner-models"
}

resource "aws_sagemaker_model_package_group_policy" "partner" {
  model_package_group_name = "partner-models"
  resource_policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Principal = { AWS = "arn:aws:iam::210987654321:root" }, Action = "sagemaker:DescribeModelPackage", Resource = "*" }
  ] })
}

# Data capture keeps every request and response: a prompt log, judged where it lands
resource "aws_sagemaker_endpoint_configuration" "capture_public" {
  name = "capture-public"
  production_variants {
    variant_name = "main"
    model_name   = aws_sagemaker_model.swap.name
  }
  data_capture_config {
    initial_sampling_percentage = 100
    destination_s3_uri          = "s3://kb-docs/capture"
    capture_options {
      capture_mode = "InputAndOutput"
    }
  }
}

resource "aws_sagemaker_endpoint_configuration" "capture_keyed" {
  name        = "capture-keyed"
  kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/endpoint"
  production_variants {
    variant_name = "main"
    model_name   = aws_sagemaker_model.swap.name
  }
  data_capture_config {
    enable_capture              = true
    initial_sampling_percentage = 10
    destination_s3_uri          = "s3://${aws_s3_bucket.models.bucket}/capture"
    kms_key_id                  = "arn:aws:kms:us-east-1:123456789012:key/capture"
    capture_options {
      capture_mode = "Input"
    }
  }
}

resource "aws_sagemaker_endpoint_configuration" "capture_plain" {
  name = "capture-plain"
  production_variants {
    variant_name = "main"
    model_name   = aws_sagemaker_model.swap.name
  }
  data_capture_config {
    initial_sampling_percentage = 10
    destination_s3_uri          = "s3://${aws_s3_bucket.models.bucket}/capture"
    capture_options {
      capture_mode = "Output"
    }
  }
}

resource "aws_sagemaker_endpoint_configuration" "capture_off" {
  name = "capture-off"
  production_variants {
    variant_name = "main"
    model_name   = aws_sagemaker_model.swap.name
  }
  data_capture_config {
    enable_capture              = false
    initial_sampling_percentage = 10
    destination_s3_uri          = "s3://kb-docs/capture"
    capture_options {
      capture_mode = "Input"
    }
  }
}

resource "aws_sagemaker_feature_group" "plain" {
  feature_group_name             = "customers"
  record_identifier_feature_name = "id"
  event_time_feature_name        = "ts"
  role_arn                       = aws_iam_role.serve.arn
  feature_definition {
    feature_name = "id"
    feature_type = "String"
  }
  online_store_config {
    enable_online_store = true
  }
}

resource "aws_sagemaker_feature_group" "keyed" {
  feature_group_name             = "customers-keyed"
  record_identifier_feature_name = "id"
  event_time_feature_name        = "ts"
  role_arn                       = aws_iam_role.serve.arn
  feature_definition {
    feature_name = "id"
    feature_type = "String"
  }
  online_store_config {
    enable_online_store = true
    security_config {
      kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/features"
    }
  }
}

resource "aws_sagemaker_feature_group" "offline_only" {
  feature_group_name             = "history"
  record_identifier_feature_name = "id"
  event_time_feature_name        = "ts"
  role_arn                       = aws_iam_role.serve.arn
  feature_definition {
    feature_name = "id"
    feature_type = "String"
  }
  offline_store_config {
    s3_storage_config {
      s3_uri = "s3://${aws_s3_bucket.models.bucket}/features"
    }
  }
}
