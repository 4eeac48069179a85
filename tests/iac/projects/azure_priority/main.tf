# NSGs with shadowing Deny rules, and role assignments by built-in role name.
data "azurerm_subscription" "current" {}

data "azurerm_client_config" "current" {}

variable "admin_cidr" {
  type = string
}

resource "azurerm_network_security_group" "jumpbox" {
  name                = "nsg-jumpbox"
  location            = "westeurope"
  resource_group_name = "rg-ml"

  security_rule {
    name                       = "deny-ssh-internet"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "allow-ssh-legacy"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "https-from-admins"
    priority                   = 300
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = var.admin_cidr
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_group" "notebooks" {
  name                = "nsg-notebooks"
  location            = "westeurope"
  resource_group_name = "rg-ml"
}

# the Deny comes after the Allow: Jupyter stays open
resource "azurerm_network_security_rule" "allow_jupyter" {
  name                        = "allow-jupyter"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "8888"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-ml"
  network_security_group_name = azurerm_network_security_group.notebooks.name
}

resource "azurerm_network_security_rule" "deny_all" {
  name                        = "deny-all-internet"
  priority                    = 4000
  direction                   = "Inbound"
  access                      = "Deny"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "*"
  source_address_prefix       = "Internet"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-ml"
  network_security_group_name = azurerm_network_security_group.notebooks.name
}

resource "azurerm_user_assigned_identity" "pipeline" {
  name                = "id-ml-pipeline"
  location            = "westeurope"
  resource_group_name = "rg-ml"
}

resource "azurerm_role_assignment" "pipeline_contributor" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.pipeline.principal_id
}

resource "azurerm_role_assignment" "pipeline_uaa" {
  scope                = "/subscriptions/${data.azurerm_client_config.current.subscription_id}"
  role_definition_name = "User Access Administrator"
  principal_id         = azurerm_user_assigned_identity.pipeline.principal_id
}

resource "azurerm_role_assignment" "pipeline_rg_owner" {
  scope                = "/subscriptions/${data.azurerm_client_config.current.subscription_id}/resourceGroups/rg-ml"
  role_definition_name = "Owner"
  principal_id         = azurerm_user_assigned_identity.pipeline.principal_id
}

resource "azuread_group" "data_scientists" {
  display_name     = "data-scientists"
  security_enabled = true
}

resource "azurerm_role_assignment" "team_contributor" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "Contributor"
  principal_id         = azuread_group.data_scientists.object_id
}

resource "azurerm_role_assignment" "pipeline_reader" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "Reader"
  principal_id         = azurerm_user_assigned_identity.pipeline.principal_id
}
