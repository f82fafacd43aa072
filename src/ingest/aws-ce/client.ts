import { CostExplorerClient, type CostExplorerClientConfig } from '@aws-sdk/client-cost-explorer';
import { AllotError } from '../../util/errors.ts';

/** How a Cost Explorer client is built when none is passed in. Everything else comes from the SDK's standard chain. */
export interface CeClientOptions {
  /** Overrides `AWS_ENDPOINT_URL_COST_EXPLORER` / `AWS_ENDPOINT_URL` (tests, VPC endpoints). */
  endpoint?: string;
  /** Default: `AWS_REGION`, else us-east-1 (Cost Explorer's only endpoint in the aws partition). */
  region?: string;
  /** Default: the SDK's chain (env, SSO, profiles, web identity, container/instance roles). Never the Allot config. */
  credentials?: CostExplorerClientConfig['credentials'];
  /** Attempts per API call, first included. Default 6, or `AWS_MAX_ATTEMPTS` when set. */
  maxAttempts?: number;
  /** Replaces the SDK's standard retry strategy (tests inject a fast `ConfiguredRetryStrategy`). */
  retryStrategy?: CostExplorerClientConfig['retryStrategy'];
}

export const DEFAULT_MAX_ATTEMPTS = 6;

/**
 * A Cost Explorer client configured the way AWS users expect: credentials,
 * endpoint (`AWS_ENDPOINT_URL_COST_EXPLORER`), `AWS_RETRY_MODE` and profiles
 * all come from the SDK's standard resolution. The SDK retries throttling
 * (`ThrottlingException`, `LimitExceededException`, 429) and 5xx with
 * exponential backoff; Allot only raises the default number of attempts.
 */
export function createCostExplorerClient(opts: CeClientOptions = {}): CostExplorerClient {
  const config: CostExplorerClientConfig = {
    region: opts.region ?? (process.env.AWS_REGION || 'us-east-1'),
  };
  if (opts.endpoint !== undefined) config.endpoint = opts.endpoint;
  if (opts.credentials !== undefined) config.credentials = opts.credentials;
  const maxAttempts = opts.maxAttempts ?? (process.env.AWS_MAX_ATTEMPTS ? undefined : DEFAULT_MAX_ATTEMPTS);
  if (maxAttempts !== undefined) config.maxAttempts = maxAttempts;
  if (opts.retryStrategy !== undefined) config.retryStrategy = opts.retryStrategy;
  return new CostExplorerClient(config);
}

/**
 * A Cost Explorer call that failed for good (after the SDK's retries). Nothing
 * was imported. Throttling, 5xx and network failures may pass, so a job tries
 * again later; a malformed response, a refusal (403, 400) or missing
 * credentials will not until someone acts.
 */
export class CostExplorerError extends AllotError {
  override readonly retryable: boolean;
  constructor(
    readonly operation: string,
    /** AWS's error code (`AccessDeniedException`, `ThrottlingException`...), or `MalformedResponse`, `NoCredentials`, a network code. */
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
    readonly attempts?: number,
  ) {
    super(message);
    const throttled = /throttl|limitexceeded|toomanyrequests|requestlimit/i.test(code) || httpStatus === 429;
    const refused = code === 'MalformedResponse' || code === 'NoCredentials' || (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500);
    this.retryable = throttled || !refused;
  }
}

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

const IAM_ACTIONS = 'ce:GetDimensionValues and ce:GetCostAndUsage';

/**
 * Turns whatever the SDK threw into one line a user can act on, naming the
 * operation (and `where`, e.g. the account), AWS's error code and message.
 */
export function describeCeError(operation: string, where: string, e: unknown): CostExplorerError {
  if (e instanceof CostExplorerError) return e;
  const err = (e ?? {}) as SdkErrorLike;
  const status = err.$metadata?.httpStatusCode;
  const attempts = err.$metadata?.attempts;
  const name = err.name ?? 'Error';
  const firstLine = (s: string | undefined) => (s ?? '').split('\n')[0]!.trim();
  const op = `Cost Explorer ${operation}${where ? ` (${where})` : ''}`;
  const tail = '; nothing was imported';

  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(err.message ?? '')) {
    return new CostExplorerError(
      operation,
      'NoCredentials',
      `${op}: no AWS credentials found (${firstLine(err.message)}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run on a role; Allot never reads credentials from its config${tail}`,
    );
  }
  if (name === 'SyntaxError' || /Deserialization error/i.test(err.message ?? '')) {
    return new CostExplorerError(
      operation,
      'MalformedResponse',
      `${op}: malformed response from AWS (HTTP ${status ?? '?'}): ${firstLine(err.message)}${tail}`,
      status,
      attempts,
    );
  }
  if (/AccessDenied|UnauthorizedOperation|UnrecognizedClient|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken/.test(name)) {
    const hint = /AccessDenied|UnauthorizedOperation/.test(name)
      ? `: the caller needs IAM permission ce:${operation} (Allot uses ${IAM_ACTIONS})`
      : ': check the AWS credentials';
    return new CostExplorerError(operation, name, `${op} was refused: ${name}: ${firstLine(err.message)}${hint}${tail}`, status, attempts);
  }
  const retried = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : '';
  const http = status !== undefined ? `HTTP ${status} ` : '';
  const code = err.code && !status ? err.code : name;
  return new CostExplorerError(
    operation,
    code,
    `${op} failed${retried}: ${http}${code}: ${firstLine(err.message) || '(no message)'}${tail}`,
    status,
    attempts,
  );
}

/** A response that parsed as JSON but is not what Cost Explorer sends. */
export function malformed(operation: string, where: string, why: string): CostExplorerError {
  return new CostExplorerError(
    operation,
    'MalformedResponse',
    `Cost Explorer ${operation}${where ? ` (${where})` : ''}: malformed response from AWS: ${why}; nothing was imported`,
  );
}
