# azurerm v4 attribute names, hardened
data "azurerm_subscription" "current" {}

resource "azurerm_storage_account" "hardened" {
  name                            = "mlhardened"
  resource_group_name             = "rg"
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "GRS"
  https_traffic_only_enabled      = true
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  network_rules {
    default_action = "Deny"
  }
  blob_properties {
    versioning_enabled = true
  }
  customer_managed_key {
    key_vault_key_id          = azurerm_key_vault_key.rotated.id
    user_assigned_identity_id = "uai"
  }
}

resource "azurerm_storage_container" "private" {
  name                  = "models"
  storage_account_id    = azurerm_storage_account.hardened.id
  container_access_type = "private"
}

resource "azurerm_monitor_diagnostic_setting" "blob_logs" {
  name               = "blob-logs"
  target_resource_id = azurerm_storage_account.hardened.id
  storage_account_id = "logs"
  enabled_log {
    category = "StorageRead"
  }
}

resource "azurerm_monitor_diagnostic_setting" "activity" {
  name               = "activity-log"
  target_resource_id = data.azurerm_subscription.current.id
  storage_account_id = "logs"
  enabled_log {
    category = "Administrative"
  }
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "ml-ws-private"
  location                      = "westeurope"
  resource_group_name           = "rg"
  application_insights_id       = "ai"
  key_vault_id                  = "kv"
  storage_account_id            = azurerm_storage_account.hardened.id
  public_network_access_enabled = false
  encryption {
    key_vault_id = "kv"
    key_id       = azurerm_key_vault_key.rotated.id
  }
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_instance" "ci" {
  name                          = "ci-private"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  virtual_machine_size          = "STANDARD_DS2_V2"
  node_public_ip_enabled        = false
  subnet_resource_id            = "subnet"
}

resource "azurerm_key_vault_key" "rotated" {
  name         = "rotated"
  key_vault_id = "kv"
  key_type     = "RSA"
  key_size     = 2048
  key_opts     = ["decrypt", "encrypt"]
  rotation_policy {
    automatic {
      time_before_expiry = "P30D"
    }
    expire_after = "P90D"
  }
}
