variable "env" {
  type = string
}

variable "public_bucket_name" {
  default = "ml-public-demo"
}

locals {
  teams  = toset(["nlp", "vision"])
  prefix = "ml-${var.env}"
}

# hardened through split resources joined by reference
resource "aws_s3_bucket" "hardened" {
  bucket = "${local.prefix}-training-data"
}

resource "aws_s3_bucket_public_access_block" "hardened" {
  bucket                  = aws_s3_bucket.hardened.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "hardened" {
  bucket = aws_s3_bucket.hardened.bucket
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}

resource "aws_s3_bucket_versioning" "hardened" {
  bucket = aws_s3_bucket.hardened.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_logging" "hardened" {
  bucket        = aws_s3_bucket.hardened.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/"
}

resource "aws_s3_bucket_policy" "hardened" {
  bucket = aws_s3_bucket.hardened.id
  policy = <<-EOF
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Sid": "DenyPlaintext",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["${aws_s3_bucket.hardened.arn}", "${aws_s3_bucket.hardened.arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
      }]
    }
  EOF
}

resource "aws_kms_key" "data" {
  description         = "training data"
  enable_key_rotation = true
}

# the log target: not itself logged, which is fine
resource "aws_s3_bucket" "logs" {
  bucket = "${local.prefix}-access-logs"
}

# public through a jsonencode policy, split resources joined by literal name
resource "aws_s3_bucket" "public" {
  bucket = var.public_bucket_name
}

resource "aws_s3_bucket_public_access_block" "public" {
  bucket                  = "ml-public-demo"
  block_public_acls       = false
  ignore_public_acls      = false
  block_public_policy     = false
  restrict_public_buckets = false
}

resource "aws_s3_bucket_policy" "public" {
  bucket = "ml-public-demo"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["s3:GetObject"]
      Resource  = ["${aws_s3_bucket.public.arn}/*"]
    }]
  })
}

resource "aws_s3_bucket_versioning" "public" {
  bucket = aws_s3_bucket.public.id
  versioning_configuration {
    status = "Suspended"
  }
}

# for_each instances: per-key versioning, "vision" suspended
resource "aws_s3_bucket" "team" {
  for_each = local.teams
  bucket   = "${local.prefix}-${each.key}"
}

resource "aws_s3_bucket_versioning" "team" {
  for_each = aws_s3_bucket.team
  bucket   = each.value.id
  versioning_configuration {
    status = each.key == "vision" ? "Suspended" : "Enabled"
  }
}

# count instances: public-read-write ACL through the v3 inline argument, no public access block
resource "aws_s3_bucket" "scratch" {
  count  = 2
  bucket = "ml-scratch-${count.index}"
  acl    = "public-read-write"
}

resource "aws_s3_bucket_ownership_controls" "scratch" {
  count  = 2
  bucket = aws_s3_bucket.scratch[count.index].id
  rule {
    object_ownership = "ObjectWriter"
  }
}

resource "aws_s3_bucket_public_access_block" "scratch" {
  count             = 2
  bucket            = aws_s3_bucket.scratch[count.index].id
  block_public_acls = false
}

# unknown: the policy comes from a file that is not read offline
resource "aws_s3_bucket" "from_file" {
  bucket = "ml-from-file"
}

resource "aws_s3_bucket_policy" "from_file" {
  bucket = aws_s3_bucket.from_file.id
  policy = file("${path.module}/policy.json")
}

resource "aws_s3_bucket_public_access_block" "from_file" {
  bucket                  = aws_s3_bucket.from_file.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = var.env == "prod"
  restrict_public_buckets = var.env == "prod"
}
