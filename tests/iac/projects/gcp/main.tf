variable "project" {
  default = "ml-project"
}

resource "google_storage_bucket" "hardened" {
  name                        = "ml-hardened"
  location                    = "EU"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  versioning {
    enabled = true
  }
  logging {
    log_bucket = "ml-logs"
  }
  encryption {
    default_kms_key_name = google_kms_crypto_key.data.id
  }
}

# public through an IAM member on allUsers; defaults otherwise
resource "google_storage_bucket" "public" {
  name     = "ml-public"
  location = "EU"
}

resource "google_storage_bucket_iam_member" "public_read" {
  bucket = google_storage_bucket.public.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

# prevention enforced wins over an allUsers binding
resource "google_storage_bucket" "prevented" {
  name                        = "ml-prevented"
  location                    = "EU"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
}

resource "google_storage_bucket_iam_binding" "prevented" {
  bucket  = google_storage_bucket.prevented.name
  role    = "roles/storage.objectAdmin"
  members = ["allUsers"]
}

resource "google_project_iam_member" "editor" {
  project = var.project
  role    = "roles/editor"
  member  = "serviceAccount:trainer@ml-project.iam.gserviceaccount.com"
}

resource "google_project_iam_binding" "viewer" {
  project = var.project
  role    = "roles/viewer"
  members = ["allAuthenticatedUsers"]
}

resource "google_workbench_instance" "defaults" {
  name     = "wb-defaults"
  location = "europe-west4-a"
}

resource "google_workbench_instance" "hardened" {
  name     = "wb-hardened"
  location = "europe-west4-a"
  gce_setup {
    disable_public_ip = true
    metadata = {
      notebook-disable-root = "true"
    }
    boot_disk {
      disk_encryption = "CMEK"
      kms_key         = google_kms_crypto_key.data.id
    }
    network_interfaces {
      network = "projects/ml-project/global/networks/private"
      subnet  = "projects/ml-project/regions/europe-west4/subnetworks/private"
    }
  }
}

resource "google_notebooks_instance" "legacy" {
  name         = "nb-legacy"
  location     = "europe-west4-a"
  machine_type = "e2-medium"
  metadata = {
    startup-script = "export HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"
  }
}

resource "google_compute_firewall" "jupyter" {
  name          = "allow-jupyter"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["8888", "6006"]
  }
}

resource "google_compute_firewall" "egress" {
  name               = "egress-all"
  network            = "default"
  direction          = "EGRESS"
  destination_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "all"
  }
}

resource "google_compute_firewall" "ssh_range" {
  name          = "ssh-range"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["20-30"]
  }
}

resource "google_kms_key_ring" "ring" {
  name     = "ring"
  location = "europe"
}

resource "google_kms_crypto_key" "data" {
  name            = "data"
  key_ring        = google_kms_key_ring.ring.id
  rotation_period = "7776000s"
}

resource "google_kms_crypto_key" "norotate" {
  name     = "norotate"
  key_ring = google_kms_key_ring.ring.id
}

# authoritative policies from a google_iam_policy document
data "google_iam_policy" "bucket_public" {
  binding {
    role    = "roles/storage.objectViewer"
    members = ["allUsers"]
  }
}

resource "google_storage_bucket" "policy_public" {
  name                        = "ml-policy-public"
  location                    = "EU"
  uniform_bucket_level_access = true
}

resource "google_storage_bucket_iam_policy" "policy_public" {
  bucket      = google_storage_bucket.policy_public.name
  policy_data = data.google_iam_policy.bucket_public.policy_data
}

data "google_iam_policy" "project" {
  binding {
    role    = "roles/owner"
    members = ["serviceAccount:ci@ml-project.iam.gserviceaccount.com"]
  }
  binding {
    role    = "roles/storage.admin"
    members = ["group:ml@example.com"]
  }
}

resource "google_project_iam_policy" "project" {
  project     = var.project
  policy_data = data.google_iam_policy.project.policy_data
}
