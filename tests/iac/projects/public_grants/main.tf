# Explicit public grants with no guard declared: a bucket created before April 2023 is public
# with exactly this code, so none of these may pass on S3's default for new buckets.
resource "aws_s3_bucket" "legacy_site" {
  bucket = "ml-legacy-site"
  acl    = "public-read"
}

resource "aws_s3_bucket" "shared_models" {
  bucket = "ml-shared-models"
}

resource "aws_s3_bucket_acl" "shared_models" {
  bucket = aws_s3_bucket.shared_models.id
  acl    = "public-read-write"
}

resource "aws_s3_bucket" "open_policy" {
  bucket = "ml-open-policy"
}

resource "aws_s3_bucket_policy" "open_policy" {
  bucket = aws_s3_bucket.open_policy.id
  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::ml-open-policy/*"}
  ]
}
POLICY
}

# the same grant with the guard declared passes
resource "aws_s3_bucket" "guarded" {
  bucket = "ml-guarded"
  acl    = "public-read"
}

resource "aws_s3_bucket_public_access_block" "guarded" {
  bucket                  = aws_s3_bucket.guarded.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# nothing public declared: S3's default for new buckets applies
resource "aws_s3_bucket" "plain" {
  bucket = "ml-plain"
}

resource "google_storage_bucket" "gcs_acl" {
  name     = "ml-gcs-acl"
  location = "EU"
}

resource "google_storage_bucket_acl" "gcs_acl" {
  bucket      = google_storage_bucket.gcs_acl.name
  role_entity = ["OWNER:project-owners-123456", "READER:allUsers"]
}

resource "google_storage_bucket" "gcs_predefined" {
  name     = "ml-gcs-predefined"
  location = "EU"
}

resource "google_storage_bucket_acl" "gcs_predefined" {
  bucket         = google_storage_bucket.gcs_predefined.name
  predefined_acl = "publicReadWrite"
}

resource "google_storage_default_object_acl" "gcs_objects" {
  bucket      = google_storage_bucket.gcs_objects.name
  role_entity = ["READER:allAuthenticatedUsers"]
}

resource "google_storage_bucket" "gcs_objects" {
  name     = "ml-gcs-objects"
  location = "EU"
}

resource "google_storage_bucket" "gcs_enforced" {
  name                     = "ml-gcs-enforced"
  location                 = "EU"
  public_access_prevention = "enforced"
}

resource "google_storage_bucket_acl" "gcs_enforced" {
  bucket      = google_storage_bucket.gcs_enforced.name
  role_entity = ["READER:allUsers"]
}

# a container whose storage account lives in another repository
resource "azurerm_storage_container" "external" {
  name                  = "public-reports"
  storage_account_name  = "sharedreportsprod"
  container_access_type = "container"
}
