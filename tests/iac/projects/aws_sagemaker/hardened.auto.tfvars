direct_internet = "Disabled"
