variable "public_cidr" {
  default = "0.0.0.0/0"
}

variable "office_cidr" {}

locals {
  admin_ports = [22, 3389]
}

# dynamic ingress opening 22 and 3389 to the world through a variable
resource "aws_security_group" "bastion" {
  name = "bastion"
  dynamic "ingress" {
    for_each = local.admin_ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [var.public_cidr]
    }
  }
}

# a self rule first, then Jupyter open through a port range over IPv6: the self rule hides nothing
resource "aws_security_group" "notebooks" {
  name = "notebooks"
  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }
  ingress {
    from_port        = 8000
    to_port          = 9000
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
}

# a closed group opened by a standalone rule: MLflow to the world
resource "aws_security_group" "mlflow" {
  name = "mlflow"
}

resource "aws_vpc_security_group_ingress_rule" "mlflow" {
  security_group_id = aws_security_group.mlflow.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 5000
  to_port           = 5000
  ip_protocol       = "tcp"
}

# private only
resource "aws_security_group" "internal" {
  name = "internal"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_security_group_rule" "internal_ssh" {
  type              = "ingress"
  security_group_id = aws_security_group.internal.id
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.0/8"]
}

# unknown: the source range comes from a variable with no value
resource "aws_security_group" "office" {
  name = "office"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.office_cidr]
  }
}
