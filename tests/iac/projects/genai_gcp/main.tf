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

# Training data and served features: judged for their customer-managed key
resource "google_vertex_ai_dataset" "chats" {
  display_name        = "support-chats"
  metadata_schema_uri = "gs://google-cloud-aiplatform/schema/dataset/metadata/text_1.0.0.yaml"
  region              = "us-central1"
}

resource "google_vertex_ai_dataset" "claims" {
  display_name        = "claims"
  metadata_schema_uri = "gs://google-cloud-aiplatform/schema/dataset/metadata/tabular_1.0.0.yaml"
  region              = "us-central1"
  encryption_spec {
    kms_key_name = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k"
  }
}

resource "google_vertex_ai_feature_online_store" "profiles" {
  name   = "profiles"
  region = "us-central1"
  optimized {}
}

resource "google_vertex_ai_featurestore" "legacy" {
  name   = "legacy"
  region = "us-central1"
  online_serving_config {
    fixed_node_count = 1
  }
  encryption_spec {
    kms_key_name = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k"
  }
}
