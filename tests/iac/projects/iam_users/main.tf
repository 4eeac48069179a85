# IAM users and groups, the way CI users and team groups are declared in practice.
resource "aws_iam_user" "ci" {
  name = "ci-deployer"
}

resource "aws_iam_user_policy" "ci" {
  name = "ci-everything"
  user = aws_iam_user.ci.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

resource "aws_iam_user" "analyst" {
  name = "ml-analyst"
}

resource "aws_iam_user_policy_attachment" "analyst" {
  user       = aws_iam_user.analyst.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_group" "platform" {
  name = "ml-platform-admins"
}

resource "aws_iam_group_policy_attachment" "platform" {
  group      = aws_iam_group.platform.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_group" "data" {
  name = "ml-data"
}

resource "aws_iam_group_policy" "data" {
  name  = "all-but-describe"
  group = aws_iam_group.data.name
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "AllButDescribe", "Effect": "Allow", "NotAction": ["ec2:Describe*"], "Resource": "*"}]
}
EOF
}

resource "aws_iam_user" "oncall" {
  name = "oncall"
}

resource "aws_iam_group_membership" "platform" {
  name  = "platform-members"
  group = aws_iam_group.platform.name
  users = [aws_iam_user.oncall.name]
}

resource "aws_iam_group" "readers" {
  name = "ml-readers"
}

resource "aws_iam_policy" "s3_all" {
  name   = "s3-all"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}

resource "aws_iam_policy_attachment" "s3_all" {
  name       = "s3-all"
  policy_arn = aws_iam_policy.s3_all.arn
  groups     = [aws_iam_group.readers.name]
  users      = [aws_iam_user.analyst.name]
}
