# A local module called with count and for_each; hardening passed in through inputs.
module "datasets" {
  source      = "./modules/bucket"
  for_each    = { raw = false, curated = true }
  name        = "ml-${each.key}"
  public_read = !each.value
  versioning  = each.value
}

module "site" {
  source      = "./modules/bucket"
  count       = 1
  name        = "ml-site"
  public_read = true
  versioning  = false
}

module "remote" {
  source = "terraform-aws-modules/s3-bucket/aws"
}

resource "aws_s3_bucket_policy" "curated_tls" {
  bucket = module.datasets["curated"].bucket_id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = "${module.datasets["curated"].bucket_arn}/*"
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}
