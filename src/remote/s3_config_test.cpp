#include "remote/s3_config.hpp"

#include <gtest/gtest.h>

#include <map>

#include "remote/remote.hpp"

namespace mlops {
namespace {

// A fake environment and filesystem for resolve_s3_settings.
struct World {
  std::map<std::string, std::string> env{{"HOME", "/home/ada"}};
  std::map<std::string, std::string> files;

  Result<S3Settings> resolve(const std::string& url = "s3://team-bucket/ml") const {
    auto location = parse_s3_url(url);
    EXPECT_TRUE(location.ok()) << location.error().message();
    return resolve_s3_settings(
        *location,
        [&](const std::string& name) -> std::optional<std::string> {
          auto found = env.find(name);
          return found == env.end() ? std::nullopt : std::optional(found->second);
        },
        [&](const std::string& path) -> std::optional<std::string> {
          auto found = files.find(path);
          return found == files.end() ? std::nullopt : std::optional(found->second);
        });
  }
};

TEST(S3UrlTest, BucketAndPrefix) {
  auto plain = parse_s3_url("s3://team-bucket");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->bucket, "team-bucket");
  EXPECT_EQ(plain->prefix, "");
  auto nested = parse_s3_url("s3://team.bucket/ml/cache/");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->bucket, "team.bucket");
  EXPECT_EQ(nested->prefix, "ml/cache");
  EXPECT_EQ(nested->url(), "s3://team.bucket/ml/cache");
}

TEST(S3UrlTest, BadUrlsAreRefusedWithTheReason) {
  struct Case {
    const char* url;
    const char* says;
  };
  for (const auto& [url, says] : std::vector<Case>{
           {"s3://", "is not a bucket name"},
           {"s3://Team", "is not a bucket name"},
           {"s3://ab", "is not a bucket name"},
           {"s3://-bucket", "is not a bucket name"},
           {"s3://bucket/a b", "the prefix may hold only"},
           {"s3://bucket/a?x=1", "the prefix may hold only"},
           {"s3://bucket/a/../b", "'..' segment"},
           {"s3://bucket/a//b", "empty"},
       }) {
    auto parsed = parse_s3_url(url);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(parsed.error().kind(), ErrorKind::Usage);
    EXPECT_NE(parsed.error().message().find(says), std::string::npos) << parsed.error().message();
  }
}

TEST(IniTest, SectionsCommentsAndNestedSettings) {
  auto ini = parse_ini(
      "# comment\n[default]\naws_access_key_id = AKID\n; another\n"
      "aws_secret_access_key=se=cret\r\n\n[profile dev]\nregion = eu-north-1\ns3 =\n"
      "  addressing_style = path\nother = x\n",
      "config");
  ASSERT_TRUE(ini.ok()) << ini.error().message();
  EXPECT_EQ((*ini)["default"]["aws_access_key_id"], "AKID");
  EXPECT_EQ((*ini)["default"]["aws_secret_access_key"], "se=cret");
  EXPECT_EQ((*ini)["profile dev"]["region"], "eu-north-1");
  EXPECT_EQ((*ini)["profile dev"]["s3.addressing_style"], "path");
  EXPECT_EQ((*ini)["profile dev"]["other"], "x");
}

TEST(IniTest, AMalformedLineIsNamedButNotRepeated) {
  auto ini =
      parse_ini("[default]\naws_secret_access_key SECRETVALUE\n", "/home/ada/.aws/credentials");
  ASSERT_FALSE(ini.ok());
  EXPECT_EQ(ini.error().message(),
            "/home/ada/.aws/credentials:2: not a `[section]` or a `key = value` line inside a "
            "section");
  EXPECT_FALSE(parse_ini("key = value\n", "f").ok());  // outside any section
}

TEST(S3SettingsTest, EnvironmentCredentialsAndDefaultAwsEndpoint) {
  World world;
  world.env["AWS_ACCESS_KEY_ID"] = "AKID";
  world.env["AWS_SECRET_ACCESS_KEY"] = "SECRET";
  world.env["AWS_SESSION_TOKEN"] = "TOKEN";
  auto settings = world.resolve();
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->credentials.access_key, "AKID");
  EXPECT_EQ(settings->credentials.session_token, "TOKEN");
  EXPECT_EQ(settings->credentials.source, "the environment");
  EXPECT_EQ(settings->region, "us-east-1");
  EXPECT_EQ(settings->endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(settings->path_style);
  auto location = parse_s3_url("s3://team-bucket/ml");
  EXPECT_EQ(s3_object_url(*settings, *location, "objects/ab/cd"),
            "https://team-bucket.s3.us-east-1.amazonaws.com/ml/objects/ab/cd");
}

TEST(S3SettingsTest, ACustomEndpointIsPathStyle) {
  World world;
  world.env = {{"AWS_ACCESS_KEY_ID", "k"},
               {"AWS_SECRET_ACCESS_KEY", "s"},
               {"AWS_ENDPOINT_URL", "http://x"},
               {"AWS_ENDPOINT_URL_S3", "http://minio:9000/"},
               {"AWS_DEFAULT_REGION", "eu-west-1"}};
  auto settings = world.resolve("s3://team-bucket");
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->endpoint, "http://minio:9000");
  EXPECT_TRUE(settings->path_style);
  EXPECT_EQ(settings->region, "eu-west-1");
  auto location = parse_s3_url("s3://team-bucket");
  EXPECT_EQ(s3_object_url(*settings, *location, "objects/ab/cd"),
            "http://minio:9000/team-bucket/objects/ab/cd");
  world.env["AWS_REGION"] = "ap-south-1";
  EXPECT_EQ(world.resolve()->region, "ap-south-1");
}

TEST(S3SettingsTest, ADottedBucketOnAwsIsPathStyle) {
  World world;
  world.env["AWS_ACCESS_KEY_ID"] = "k";
  world.env["AWS_SECRET_ACCESS_KEY"] = "s";
  world.env["AWS_REGION"] = "eu-north-1";
  auto settings = world.resolve("s3://team.bucket");
  ASSERT_TRUE(settings.ok());
  EXPECT_TRUE(settings->path_style);
  EXPECT_EQ(s3_object_url(*settings, *parse_s3_url("s3://team.bucket"), "k"),
            "https://s3.eu-north-1.amazonaws.com/team.bucket/k");
}

TEST(S3SettingsTest, BadEndpointsAreRefusedWithoutRepeatingThem) {
  World world;
  world.env["AWS_ACCESS_KEY_ID"] = "k";
  world.env["AWS_SECRET_ACCESS_KEY"] = "s";
  for (const char* endpoint :
       {"minio:9000", "ftp://host", "http://user:pw@host", "http://host/path", "http://"}) {
    world.env["AWS_ENDPOINT_URL"] = endpoint;
    auto settings = world.resolve();
    ASSERT_FALSE(settings.ok()) << endpoint;
    EXPECT_EQ(settings.error().message().find("pw"), std::string::npos);
    EXPECT_NE(settings.error().message().find("AWS_ENDPOINT_URL is not an endpoint"),
              std::string::npos)
        << settings.error().message();
  }
}

TEST(S3SettingsTest, CredentialsAndRegionFromTheProfileFiles) {
  World world;
  world.files["/home/ada/.aws/credentials"] =
      "[default]\naws_access_key_id = DEFKEY\naws_secret_access_key = DEFSECRET\n"
      "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = DEVSECRET\n";
  world.files["/home/ada/.aws/config"] =
      "[default]\nregion = eu-central-1\n[profile dev]\nregion = us-west-2\n"
      "endpoint_url = http://127.0.0.1:9000\ns3 =\n  addressing_style = virtual\n";
  auto settings = world.resolve();
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->credentials.access_key, "DEFKEY");
  EXPECT_EQ(settings->credentials.source, "/home/ada/.aws/credentials [default]");
  EXPECT_EQ(settings->region, "eu-central-1");
  world.env["AWS_PROFILE"] = "dev";
  settings = world.resolve();
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->credentials.secret_key, "DEVSECRET");
  EXPECT_EQ(settings->region, "us-west-2");
  EXPECT_EQ(settings->endpoint, "http://127.0.0.1:9000");
  EXPECT_FALSE(settings->path_style);  // the profile's addressing_style wins
  world.env["AWS_PROFILE"] = "prod";
  settings = world.resolve();
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().message(),
            "AWS_PROFILE names the profile 'prod', which neither /home/ada/.aws/credentials nor "
            "/home/ada/.aws/config has");
}

TEST(S3SettingsTest, OtherFilesAndKeysInTheConfigFile) {
  World world;
  world.env["AWS_SHARED_CREDENTIALS_FILE"] = "/etc/creds";
  world.env["AWS_CONFIG_FILE"] = "/etc/conf";
  world.files["/etc/conf"] =
      "[profile ci]\naws_access_key_id = CIKEY\naws_secret_access_key = CISECRET\n";
  world.env["AWS_PROFILE"] = "ci";
  auto settings = world.resolve();
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->credentials.access_key, "CIKEY");
  EXPECT_EQ(settings->credentials.source, "/etc/conf [ci]");
}

TEST(S3SettingsTest, NoCredentialsSaysWhatToSet) {
  World world;
  auto settings = world.resolve();
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().kind(), ErrorKind::Usage);
  EXPECT_EQ(settings.error().message(),
            "no AWS credentials for s3://team-bucket/ml: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or put "
            "aws_access_key_id and aws_secret_access_key in the [default] profile of "
            "/home/ada/.aws/credentials (AWS_PROFILE chooses another profile)");
  world.env["AWS_ACCESS_KEY_ID"] = "k";
  settings = world.resolve();
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().message(),
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both (or neither, to "
            "use ~/.aws/credentials)");
  world.env.erase("AWS_ACCESS_KEY_ID");
  world.files["/home/ada/.aws/credentials"] = "[default]\naws_secret_access_key = HALF\n";
  settings = world.resolve();
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().message().find("HALF"), std::string::npos);
  EXPECT_NE(settings.error().message().find("has only one of"), std::string::npos);
}

TEST(S3CredentialsTest, RedactHidesTheSecretAndTheToken) {
  S3Credentials credentials{"AKID", "s3cr3t", "T0KEN9", "the environment"};
  EXPECT_EQ(credentials.redact("key AKID secret s3cr3t token T0KEN9 s3cr3ts3cr3t"),
            "key AKID secret *** token *** ******");
  S3Credentials none;
  EXPECT_EQ(none.redact("unchanged"), "unchanged");
}

TEST(S3ErrorTest, CodeAndMessageOfAnErrorDocument) {
  EXPECT_EQ(s3_error_summary("<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code>"
                             "<Message>The bucket &amp; its &lt;key&gt;</Message>"
                             "<StringToSign>secret stuff</StringToSign></Error>"),
            "NoSuchBucket: The bucket & its <key>");
  EXPECT_EQ(s3_error_summary("<Error><Code>SlowDown</Code></Error>"), "SlowDown");
  EXPECT_EQ(s3_error_summary("not xml"), "");
  EXPECT_EQ(s3_error_summary("<InitiateMultipartUploadResult><UploadId>x</UploadId>"), "");
  EXPECT_EQ(xml_element("<a><UploadId>u-1</UploadId></a>", "UploadId"), "u-1");
  EXPECT_EQ(xml_element("<a>", "UploadId"), std::nullopt);
}

TEST(S3OpenTest, OpeningWithoutCredentialsIsAUsageErrorNamingWhatToSet) {
  // Only when this test's own environment has no AWS credentials (it does not touch it).
  if (std::getenv("AWS_ACCESS_KEY_ID") != nullptr || std::getenv("AWS_PROFILE") != nullptr ||
      std::getenv("AWS_SHARED_CREDENTIALS_FILE") != nullptr) {
    GTEST_SKIP() << "the environment has AWS settings";
  }
  auto bad = open_remote("s3://Bad_Bucket");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::Usage);
}

}  // namespace
}  // namespace mlops
