# Azure ML compute clusters: public node IPs by default, SSH admin on request.
resource "azurerm_machine_learning_workspace" "ml" {
  name                    = "mlw-training"
  location                = "westeurope"
  resource_group_name     = "rg-ml"
  application_insights_id = "/subscriptions/s/resourceGroups/rg-ml/providers/Microsoft.Insights/components/ai"
  key_vault_id            = "/subscriptions/s/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id      = "/subscriptions/s/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/sa"

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "gpu" {
  name                          = "gpu-cluster"
  location                      = "westeurope"
  vm_priority                   = "LowPriority"
  vm_size                       = "Standard_NC6s_v3"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ml.id
  ssh_public_access_enabled     = true

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT30S"
  }

  ssh {
    admin_username = "azureuser"
    key_value      = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 ml@example"
  }
}

resource "azurerm_machine_learning_compute_cluster" "private" {
  name                          = "cpu-private"
  location                      = "westeurope"
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ml.id
  node_public_ip_enabled        = false
  subnet_resource_id            = "/subscriptions/s/resourceGroups/rg-ml/providers/Microsoft.Network/virtualNetworks/vnet/subnets/compute"

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}
