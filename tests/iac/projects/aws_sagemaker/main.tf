variable "direct_internet" {
  default = "Enabled"
}

variable "subnet_id" {}

# defaults: direct internet and root access Enabled, no key, no VPC; a secret in the lifecycle script
resource "aws_sagemaker_notebook_instance" "defaults" {
  name                  = "nb-defaults"
  role_arn              = "arn:aws:iam::123456789012:role/sm"
  instance_type         = "ml.t3.medium"
  lifecycle_config_name = aws_sagemaker_notebook_instance_lifecycle_configuration.leaky.name
}

resource "aws_sagemaker_notebook_instance_lifecycle_configuration" "leaky" {
  name     = "leaky"
  on_start = base64encode("#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
}

# hardened through a *.auto.tfvars value (direct_internet = "Disabled") and references
resource "aws_sagemaker_notebook_instance" "hardened" {
  name                   = "nb-hardened"
  role_arn               = "arn:aws:iam::123456789012:role/sm"
  instance_type          = "ml.t3.medium"
  direct_internet_access = var.direct_internet
  root_access            = "Disabled"
  kms_key_id             = aws_kms_key.nb.arn
  subnet_id              = aws_subnet.private.id
  security_groups        = ["sg-123"]
}

# subnet from a required variable (no default): present, so set
resource "aws_sagemaker_notebook_instance" "unknown_subnet" {
  name                   = "nb-unknown"
  role_arn               = "arn:aws:iam::123456789012:role/sm"
  instance_type          = "ml.t3.medium"
  direct_internet_access = "Disabled"
  root_access            = "Disabled"
  subnet_id              = var.subnet_id
}

resource "aws_kms_key" "nb" {
  enable_key_rotation = true
}

resource "aws_subnet" "private" {
  vpc_id     = "vpc-123"
  cidr_block = "10.0.1.0/24"
}

resource "aws_sagemaker_model" "isolated" {
  name                     = "isolated"
  execution_role_arn       = "arn:aws:iam::123456789012:role/sm"
  enable_network_isolation = true
}

resource "aws_sagemaker_model" "open" {
  name               = "open"
  execution_role_arn = "arn:aws:iam::123456789012:role/sm"
}

resource "aws_sagemaker_endpoint_configuration" "plain" {
  name = "plain"
}

resource "aws_sagemaker_endpoint_configuration" "cmk" {
  name        = "cmk"
  kms_key_arn = aws_kms_key.nb.arn
}

resource "aws_sagemaker_domain" "studio" {
  domain_name = "studio"
  auth_mode   = "IAM"
  vpc_id      = "vpc-123"
  subnet_ids  = ["subnet-1"]
}

resource "aws_sagemaker_domain" "vpc_only" {
  domain_name             = "vpc-only"
  auth_mode               = "IAM"
  vpc_id                  = "vpc-123"
  subnet_ids              = ["subnet-1"]
  app_network_access_type = "VpcOnly"
  kms_key_id              = aws_kms_key.nb.arn
}
