data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "sagemaker_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

# careless ML execution role: s3:* on everything through a jsonencode inline policy
resource "aws_iam_role" "training" {
  name               = "ml-training"
  assume_role_policy = data.aws_iam_policy_document.sagemaker_trust.json

  inline_policy {
    name = "data"
    policy = jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }]
    })
  }
}

# admin through a managed policy attachment; trusts anyone (heredoc policy)
resource "aws_iam_role" "open_admin" {
  name               = "ml-open-admin"
  assume_role_policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]
}
EOF
}

resource "aws_iam_role_policy_attachment" "open_admin" {
  role       = aws_iam_role.open_admin.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

# "*" trust narrowed by an organization condition; a third-party account with an external id
data "aws_iam_policy_document" "org_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = ["o-abc123"]
    }
  }
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::999988887777:root"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = ["vendor-123"]
    }
  }
}

resource "aws_iam_role" "org_reader" {
  name               = "ml-org-reader"
  assume_role_policy = data.aws_iam_policy_document.org_trust.json
}

resource "aws_iam_role_policy" "org_reader" {
  role   = aws_iam_role.org_reader.id
  policy = aws_iam_policy.read_models.policy
}

# customer-managed admin policy attached by reference; cross-account trust without external id
resource "aws_iam_policy" "star" {
  name   = "star"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_iam_policy" "read_models" {
  name = "read-models"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::ml-models/*"] }]
  })
}

resource "aws_iam_role" "partner" {
  name = "ml-partner"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "partner" {
  role       = aws_iam_role.partner.name
  policy_arn = aws_iam_policy.star.arn
}

# unknown: trust policy from templatefile(), permissions from a variable without a value
variable "extra_policy_arn" {}

resource "aws_iam_role" "templated" {
  name               = "ml-templated"
  assume_role_policy = templatefile("${path.module}/trust.json.tpl", {})
}

resource "aws_iam_role_policy_attachment" "templated" {
  role       = aws_iam_role.templated.name
  policy_arn = var.extra_policy_arn
}
