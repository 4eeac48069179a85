# Values of the wrong type everywhere: the scan must neither crash nor pass what it cannot read.
resource "aws_s3_bucket" "odd" {
  bucket     = 42
  acl        = ["public-read"]
  policy     = 42
  versioning = "yes"
  logging    = "no"
  server_side_encryption_configuration = "x"
  tags = "notamap"
}
resource "aws_s3_bucket_versioning" "odd" {
  bucket = aws_s3_bucket.odd.id
  versioning_configuration = "Enabled"
}
resource "aws_s3_bucket_server_side_encryption_configuration" "odd" {
  bucket = aws_s3_bucket.odd.id
  rule = "x"
}
resource "aws_security_group" "odd" {
  ingress = "x"
}
resource "aws_security_group" "odd2" {
  ingress {
    cidr_blocks = "0.0.0.0/0"
    from_port = "a"
    to_port = null
    protocol = 6
  }
}
resource "aws_iam_role" "odd" {
  assume_role_policy = "{not json"
  inline_policy = "x"
  managed_policy_arns = "arn"
}
resource "aws_sagemaker_notebook_instance" "odd" {
  direct_internet_access = 1
  lifecycle_config_name = 5
}
resource "aws_kms_key" "odd" {
  policy = ["x"]
  enable_key_rotation = "maybe"
}
resource "google_storage_bucket" "odd" {
  versioning = "x"
  encryption = 5
  labels = ["a"]
}
resource "google_compute_firewall" "odd" {
  source_ranges = "0.0.0.0/0"
  allow = "x"
}
resource "google_workbench_instance" "odd" {
  gce_setup = "x"
}
resource "azurerm_storage_account" "odd" {
  network_rules = "x"
  blob_properties = 5
  min_tls_version = 12
}
resource "azurerm_network_security_group" "odd" {
  security_rule = ["x"]
}
resource "azurerm_network_security_rule" "odd" {
  network_security_group_name = azurerm_network_security_group.odd.name
  direction = "Inbound"
  access = "Allow"
  source_address_prefix = "*"
  protocol = "Tcp"
  destination_port_range = "abc"
}
resource "azurerm_role_assignment" "odd" {
  scope = 5
  role_definition_name = "Owner"
}
