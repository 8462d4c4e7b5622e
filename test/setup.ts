// Loaded by mocha before any test: the AWS SDK's Node 20 notice is known and only clutters output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
