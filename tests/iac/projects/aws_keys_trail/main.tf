resource "aws_kms_key" "rotated" {
  description         = "rotated"
  enable_key_rotation = true
}

resource "aws_kms_key" "default" {
  description = "default rotation"
}

resource "aws_kms_key" "signing" {
  description              = "asymmetric signing key"
  customer_master_key_spec = "RSA_2048"
  key_usage                = "SIGN_VERIFY"
}

resource "aws_kms_key" "public_policy" {
  description         = "public policy"
  enable_key_rotation = true
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Everyone", Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:*", Resource = "*" }]
  })
}

resource "aws_cloudtrail" "org" {
  name                  = "org"
  s3_bucket_name        = "trail-bucket"
  is_multi_region_trail = true
}

resource "aws_cloudtrail" "single" {
  name           = "single"
  s3_bucket_name = "trail-bucket"
}
