# Service-account and KMS IAM, and custom roles, as Vertex AI modules write them.
resource "google_service_account" "trainer" {
  account_id = "vertex-trainer"
}

resource "google_service_account_iam_member" "token_for_anyone" {
  service_account_id = google_service_account.trainer.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "allAuthenticatedUsers"
}

resource "google_service_account_iam_binding" "act_as" {
  service_account_id = google_service_account.trainer.name
  role               = "roles/iam.serviceAccountUser"
  members            = ["group:ml-platform@example.com"]
}

resource "google_kms_key_ring" "ml" {
  name     = "ml"
  location = "europe-west4"
}

resource "google_kms_crypto_key" "datasets" {
  name            = "datasets"
  key_ring        = google_kms_key_ring.ml.id
  rotation_period = "7776000s"
}

resource "google_kms_crypto_key_iam_member" "decrypt_for_all" {
  crypto_key_id = google_kms_crypto_key.datasets.id
  role          = "roles/cloudkms.cryptoKeyDecrypter"
  member        = "allUsers"
}

resource "google_kms_key_ring_iam_binding" "ring_admins" {
  key_ring_id = google_kms_key_ring.ml.id
  role        = "roles/cloudkms.admin"
  members     = ["serviceAccount:${google_service_account.trainer.email}"]
}

resource "google_project_iam_custom_role" "pipeline_admin" {
  role_id     = "mlPipelineAdmin"
  title       = "ML pipeline admin"
  permissions = ["aiplatform.pipelineJobs.create", "resourcemanager.projects.getIamPolicy", "resourcemanager.projects.setIamPolicy"]
}

resource "google_project_iam_custom_role" "data_rw" {
  role_id     = "mlDataReadWrite"
  title       = "ML data read/write"
  permissions = ["storage.objects.get", "storage.objects.list", "storage.objects.create", "storage.objects.delete", "storage.buckets.get"]
}

resource "google_project_iam_custom_role" "viewer" {
  role_id     = "mlViewer"
  title       = "ML viewer"
  permissions = ["aiplatform.models.get", "aiplatform.models.list"]
}

resource "google_project_iam_member" "pipeline_admin" {
  project = "ml-research"
  role    = google_project_iam_custom_role.pipeline_admin.id
  member  = "serviceAccount:${google_service_account.trainer.email}"
}

resource "google_project_iam_member" "data_rw" {
  project = "ml-research"
  role    = google_project_iam_custom_role.data_rw.name
  member  = "serviceAccount:${google_service_account.trainer.email}"
}

resource "google_project_iam_member" "viewer" {
  project = "ml-research"
  role    = "projects/ml-research/roles/mlViewer"
  member  = "group:ml-readers@example.com"
}
