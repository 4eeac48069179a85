resource "azurerm_cognitive_account" "openai" {
  name                = "chat-openai"
  location            = "westeurope"
  resource_group_name = "ml"
  kind                = "OpenAI"
  sku_name            = "S0"
}

resource "azurerm_cognitive_account" "locked" {
  name                          = "locked-openai"
  location                      = "westeurope"
  resource_group_name           = "ml"
  kind                          = "OpenAI"
  sku_name                      = "S0"
  local_auth_enabled            = false
  public_network_access_enabled = false
  custom_subdomain_name         = "locked"
  customer_managed_key {
    key_vault_key_id = "https://kv.vault.azure.net/keys/k/1"
  }
}

resource "azurerm_monitor_diagnostic_setting" "locked" {
  name                       = "prompts"
  target_resource_id         = azurerm_cognitive_account.locked.id
  log_analytics_workspace_id = "/subscriptions/s/resourceGroups/ml/providers/Microsoft.OperationalInsights/workspaces/logs"
  enabled_log {
    category = "RequestResponse"
  }
}

resource "azurerm_cognitive_account_rai_policy" "lenient" {
  name                 = "lenient"
  cognitive_account_id = azurerm_cognitive_account.openai.id
  base_policy_name     = "Microsoft.Default"
  content_filter {
    name               = "Jailbreak"
    filter_enabled     = false
    block_enabled      = false
    severity_threshold = "High"
    source             = "Prompt"
  }
  content_filter {
    name               = "Hate"
    filter_enabled     = true
    block_enabled      = true
    severity_threshold = "High"
    source             = "Prompt"
  }
}

resource "azurerm_cognitive_deployment" "gpt" {
  name                 = "gpt-4o"
  cognitive_account_id = azurerm_cognitive_account.openai.id
  rai_policy_name      = azurerm_cognitive_account_rai_policy.lenient.name
  model {
    format  = "OpenAI"
    name    = "gpt-4o"
    version = "2024-08-06"
  }
  sku {
    name = "Standard"
  }
}

resource "azurerm_search_service" "rag" {
  name                = "rag-search"
  resource_group_name = "ml"
  location            = "westeurope"
  sku                 = "standard"
}

resource "azurerm_container_registry" "models" {
  name                   = "mlmodels"
  resource_group_name    = "ml"
  location               = "westeurope"
  sku                    = "Premium"
  anonymous_pull_enabled = true
}

# Prompt logs kept in storage accounts of the same project: judged where they land
resource "azurerm_cognitive_account" "logged_private" {
  name                          = "logged-private"
  location                      = "westeurope"
  resource_group_name           = "ml"
  kind                          = "OpenAI"
  sku_name                      = "S0"
  local_auth_enabled            = false
  public_network_access_enabled = false
}

resource "azurerm_storage_account" "prompt_logs" {
  name                            = "promptlogs"
  resource_group_name             = "ml"
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  allow_nested_items_to_be_public = false
  customer_managed_key {
    key_vault_key_id          = "https://kv.vault.azure.net/keys/logs/1"
    user_assigned_identity_id = "/subscriptions/s/resourceGroups/ml/providers/Microsoft.ManagedIdentity/userAssignedIdentities/logs"
  }
}

resource "azurerm_monitor_diagnostic_setting" "logged_private" {
  name               = "prompts"
  target_resource_id = azurerm_cognitive_account.logged_private.id
  storage_account_id = azurerm_storage_account.prompt_logs.id
  enabled_log {
    category = "RequestResponse"
  }
}

resource "azurerm_cognitive_account" "logged_public" {
  name                          = "logged-public"
  location                      = "westeurope"
  resource_group_name           = "ml"
  kind                          = "OpenAI"
  sku_name                      = "S0"
  local_auth_enabled            = false
  public_network_access_enabled = false
}

resource "azurerm_storage_account" "open_logs" {
  name                     = "openlogs"
  resource_group_name      = "ml"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_storage_container" "open_logs" {
  name                  = "insights-logs-requestresponse"
  storage_account_id    = azurerm_storage_account.open_logs.id
  container_access_type = "container"
}

resource "azurerm_monitor_diagnostic_setting" "logged_public" {
  name               = "prompts"
  target_resource_id = azurerm_cognitive_account.logged_public.id
  storage_account_id = azurerm_storage_account.open_logs.id
  enabled_log {
    category_group = "allLogs"
  }
}
