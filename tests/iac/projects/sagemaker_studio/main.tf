# SageMaker Studio: domains, user profiles, apps and Studio lifecycle configurations.
resource "aws_kms_key" "studio" {
  enable_key_rotation = true
}

resource "aws_sagemaker_studio_lifecycle_config" "install" {
  studio_lifecycle_config_name     = "install-tools"
  studio_lifecycle_config_app_type = "JupyterLab"
  studio_lifecycle_config_content  = base64encode("#!/bin/bash\npip install --quiet mlflow\n")
}

resource "aws_sagemaker_studio_lifecycle_config" "leaky" {
  studio_lifecycle_config_name     = "set-credentials"
  studio_lifecycle_config_app_type = "JupyterServer"
  studio_lifecycle_config_content  = base64encode("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEYq\n")
}

resource "aws_sagemaker_domain" "research" {
  domain_name             = "research"
  auth_mode               = "IAM"
  vpc_id                  = "vpc-0a1b2c3d"
  subnet_ids              = ["subnet-0a1b2c3d"]
  app_network_access_type = "VpcOnly"
  kms_key_id              = aws_kms_key.studio.arn

  default_user_settings {
    execution_role = "arn:aws:iam::123456789012:role/studio"
    jupyter_lab_app_settings {
      lifecycle_config_arns = [aws_sagemaker_studio_lifecycle_config.install.arn]
    }
  }
}

resource "aws_sagemaker_user_profile" "alice" {
  domain_id         = aws_sagemaker_domain.research.id
  user_profile_name = "alice"
}

resource "aws_sagemaker_user_profile" "bob" {
  domain_id         = aws_sagemaker_domain.research.id
  user_profile_name = "bob"
  user_settings {
    execution_role = "arn:aws:iam::123456789012:role/studio"
    jupyter_server_app_settings {
      default_resource_spec {
        lifecycle_config_arn = aws_sagemaker_studio_lifecycle_config.leaky.arn
      }
    }
  }
}

# defaults: public internet, no KMS key
resource "aws_sagemaker_domain" "sandbox" {
  domain_name = "sandbox"
  auth_mode   = "IAM"
  vpc_id      = "vpc-0a1b2c3d"
  subnet_ids  = ["subnet-0a1b2c3d"]

  default_user_settings {
    execution_role = "arn:aws:iam::123456789012:role/studio"
  }
}

resource "aws_sagemaker_app" "sandbox_lab" {
  domain_id         = aws_sagemaker_domain.sandbox.id
  user_profile_name = "carol"
  app_name          = "default"
  app_type          = "JupyterServer"
}
