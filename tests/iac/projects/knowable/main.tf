# Values that are unresolved offline but whose answer is knowable.
variable "office_cidr" {
  type = string
}

resource "google_service_account" "vertex" {
  account_id   = "vertex-pipelines"
  display_name = "Vertex AI pipelines"
}

resource "google_project_iam_member" "vertex_user" {
  project = "ml-research"
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.vertex.email}"
}

resource "google_storage_bucket" "artifacts" {
  name                        = "ml-research-artifacts"
  location                    = "EU"
  uniform_bucket_level_access = true
}

resource "google_storage_bucket_iam_member" "artifacts_writer" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.vertex.email}"
}

resource "aws_security_group" "api" {
  name = "ml-api"

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.office_cidr]
  }
}

resource "aws_security_group" "bastion" {
  name = "ml-bastion"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.office_cidr]
  }
}

resource "google_compute_firewall" "https" {
  name          = "allow-https-office"
  network       = "default"
  source_ranges = [var.office_cidr]

  allow {
    protocol = "tcp"
    ports    = ["443"]
  }
}
