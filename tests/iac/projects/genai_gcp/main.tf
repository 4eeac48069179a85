resource "google_vertex_ai_endpoint" "chat" {
  name         = "chat"
  display_name = "chat"
  location     = "us-central1"
}

resource "google_vertex_ai_endpoint" "private" {
  name         = "private"
  display_name = "private"
  location     = "us-central1"
  network      = "projects/1/global/networks/ml"
  encryption_spec {
    kms_key_name = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k"
  }
  predict_request_response_logging_config {
    enabled       = true
    sampling_rate = 1
    bigquery_destination {
      output_uri = "bq://p.logs.private"
    }
  }
}

resource "google_vertex_ai_index" "docs" {
  display_name = "docs"
  region       = "us-central1"
  metadata {
    contents_delta_uri = "gs://docs/embeddings"
    config {
      dimensions = 768
    }
  }
}

resource "google_vertex_ai_index_endpoint" "public" {
  display_name            = "public-search"
  region                  = "us-central1"
  public_endpoint_enabled = true
}

resource "google_vertex_ai_index_endpoint_deployed_index" "docs" {
  index_endpoint    = google_vertex_ai_index_endpoint.public.id
  index             = google_vertex_ai_index.docs.id
  deployed_index_id = "docs"
}

resource "google_artifact_registry_repository" "serving" {
  repository_id = "serving"
  location      = "us-central1"
  format        = "DOCKER"
}

resource "google_artifact_registry_repository_iam_member" "public" {
  repository = google_artifact_registry_repository.serving.name
  location   = "us-central1"
  role       = "roles/artifactregistry.reader"
  member     = "allUsers"
}
