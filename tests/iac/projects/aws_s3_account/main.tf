# Account-wide Block Public Access: buckets without their own block, or with a weaker one, are blocked.
resource "aws_s3_account_public_access_block" "this" {
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket" "models" {
  bucket = "ml-models"
}

resource "aws_s3_bucket_policy" "models" {
  bucket = aws_s3_bucket.models.id
  policy = data.aws_iam_policy_document.models.json
}

data "aws_iam_policy_document" "models" {
  statement {
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.models.arn}/*"]
  }
}

resource "aws_s3_bucket" "weak_block" {
  bucket = "ml-weak-block"
}

resource "aws_s3_bucket_public_access_block" "weak_block" {
  bucket            = aws_s3_bucket.weak_block.id
  block_public_acls = false
}
