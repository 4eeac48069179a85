resource "aws_s3_bucket" "ok" {
  bucket = "fine"
}

resource "aws_s3_bucket" "broken" {
  bucket = "missing-quote
  acl    = "public-read"
}
