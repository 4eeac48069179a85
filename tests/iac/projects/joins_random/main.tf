# Globally unique names carry a random suffix; split resources join by `.bucket` / `.name`.
resource "random_id" "suffix" {
  byte_length = 4
}

resource "random_string" "sa" {
  length  = 8
  upper   = false
  special = false
}

resource "aws_s3_bucket" "datasets" {
  bucket = "ml-datasets-${random_id.suffix.hex}"
}

resource "aws_s3_bucket_public_access_block" "datasets" {
  bucket                  = aws_s3_bucket.datasets.bucket
  block_public_acls       = false
  block_public_policy     = false
  ignore_public_acls      = false
  restrict_public_buckets = false
}

resource "aws_s3_bucket_policy" "datasets" {
  bucket = aws_s3_bucket.datasets.bucket
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "PublicRead"
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.datasets.arn}/*"
    }]
  })
}

# a second bucket whose name derives from the first: its own split resources must not cross over
resource "aws_s3_bucket" "datasets_logs" {
  bucket = "${aws_s3_bucket.datasets.bucket}-logs"
}

resource "aws_s3_bucket_public_access_block" "datasets_logs" {
  bucket                  = aws_s3_bucket.datasets_logs.bucket
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "azurerm_storage_account" "features" {
  name                     = "mlfeat${random_string.sa.result}"
  resource_group_name      = "ml-rg"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_storage_account_network_rules" "features" {
  storage_account_name = azurerm_storage_account.features.name
  resource_group_name  = "ml-rg"
  default_action       = "Deny"
  bypass               = ["AzureServices"]
}

resource "azurerm_storage_container" "public_samples" {
  name                  = "samples"
  storage_account_name  = azurerm_storage_account.features.name
  container_access_type = "blob"
}
