/**
 * AWS services that call KMS on a principal's behalf, by the name that appears in their
 * `kms:ViaService` value (`<name>.<region>.amazonaws.com`). Hand-maintained: the IAM service
 * reference has no list of KMS integrations. A name not listed here is still accepted (with a
 * warning), and a full `kms:ViaService` value is used as written.
 */
export interface ServiceInfo {
  readonly name: string;
  readonly title: string;
}

export const VIA_SERVICES: readonly ServiceInfo[] = [
  { name: 's3', title: 'Amazon S3 (objects encrypted with SSE-KMS)' },
  { name: 'sqs', title: 'Amazon SQS (encrypted queues)' },
  { name: 'sns', title: 'Amazon SNS (encrypted topics)' },
  { name: 'dynamodb', title: 'Amazon DynamoDB (tables with a customer managed key)' },
  { name: 'rds', title: 'Amazon RDS, Aurora, DocumentDB and Neptune' },
  { name: 'ec2', title: 'Amazon EC2 (encrypted EBS volumes and snapshots)' },
  { name: 'lambda', title: 'AWS Lambda (environment variables, code signing)' },
  { name: 'secretsmanager', title: 'AWS Secrets Manager' },
  { name: 'ssm', title: 'AWS Systems Manager Parameter Store (SecureString)' },
  { name: 'kinesis', title: 'Amazon Kinesis Data Streams' },
  { name: 'firehose', title: 'Amazon Data Firehose' },
  { name: 'elasticfilesystem', title: 'Amazon EFS' },
  { name: 'fsx', title: 'Amazon FSx' },
  { name: 'backup', title: 'AWS Backup' },
  { name: 'glue', title: 'AWS Glue (Data Catalog, jobs)' },
  { name: 'athena', title: 'Amazon Athena (query results)' },
  { name: 'redshift', title: 'Amazon Redshift' },
  { name: 'redshift-serverless', title: 'Amazon Redshift Serverless' },
  { name: 'elasticache', title: 'Amazon ElastiCache' },
  { name: 'memorydb', title: 'Amazon MemoryDB' },
  { name: 'es', title: 'Amazon OpenSearch Service' },
  { name: 'kafka', title: 'Amazon MSK' },
  { name: 'timestream', title: 'Amazon Timestream' },
  { name: 'cassandra', title: 'Amazon Keyspaces' },
  { name: 'qldb', title: 'Amazon QLDB' },
  { name: 'ecr', title: 'Amazon ECR (encrypted repositories)' },
  { name: 'logs', title: 'Amazon CloudWatch Logs' },
  { name: 'events', title: 'Amazon EventBridge' },
  { name: 'states', title: 'AWS Step Functions' },
  { name: 'sagemaker', title: 'Amazon SageMaker' },
  { name: 'bedrock', title: 'Amazon Bedrock' },
  { name: 'codebuild', title: 'AWS CodeBuild' },
  { name: 'codecommit', title: 'AWS CodeCommit' },
  { name: 'codeartifact', title: 'AWS CodeArtifact' },
  { name: 'glacier', title: 'Amazon S3 Glacier' },
  { name: 'storagegateway', title: 'AWS Storage Gateway' },
  { name: 'workspaces', title: 'Amazon WorkSpaces' },
  { name: 'kendra', title: 'Amazon Kendra' },
  { name: 'comprehend', title: 'Amazon Comprehend' },
  { name: 'connect', title: 'Amazon Connect' },
  { name: 'appsync', title: 'AWS AppSync' },
  { name: 'cognito-idp', title: 'Amazon Cognito user pools' },
  { name: 'acm', title: 'AWS Certificate Manager' },
  { name: 'imagebuilder', title: 'EC2 Image Builder' },
];

const byName = new Map(VIA_SERVICES.map((s) => [s.name, s]));

export function findService(name: string): ServiceInfo | undefined {
  return byName.get(name.toLowerCase());
}

/** A full `kms:ViaService` value written as is: `s3.us-east-1.amazonaws.com`. */
export function isViaServiceValue(value: string): boolean {
  return /^[a-z0-9-]+\.[a-z0-9*?-]+\.amazonaws\.com(\.cn)?$/.test(value);
}

/** A short service name: `s3`, `secretsmanager`. */
export function isServiceName(value: string): boolean {
  return /^[a-z0-9][a-z0-9-]*$/.test(value);
}

/**
 * The `kms:ViaService` value for a service: `s3.us-east-1.amazonaws.com` with a region, else
 * the pattern `s3.*.amazonaws.com` (then the generator uses StringLike). China regions end in
 * `.amazonaws.com.cn`.
 */
export function viaServiceValue(service: string, region: string | undefined, partition = 'aws'): string {
  if (isViaServiceValue(service)) return service;
  const suffix = partition === 'aws-cn' || region?.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${service}.${region ?? '*'}.${suffix}`;
}

/** `s3.us-east-1.amazonaws.com` -> `{service: 's3', region: 'us-east-1'}`. */
export function parseViaService(value: string): { service: string; region?: string } | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9*?-]+)\.amazonaws\.com(\.cn)?$/.exec(value);
  if (!m) return undefined;
  return { service: m[1], region: /[*?]/.test(m[2]) ? undefined : m[2] };
}
