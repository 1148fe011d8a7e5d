import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Per-API-key token buckets: each key may make `perSecond` requests a second on average, and
 * up to `burst` at once. HTTP GraphQL requests, REST sends and WebSocket operations all take
 * from the key's one bucket. `perSecond` 0 turns the limiter off.
 *
 * With REDIS_URL the buckets live in Redis, shared by every instance: one script call per
 * request refills, takes and answers atomically, on Redis's clock. Without it they live in
 * this process.
 */
export interface RateLimitSettings {
  perSecond: number;
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until a request would be allowed, in whole seconds (at least 1), for Retry-After. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  readonly enabled: boolean;
  take(key: string): Promise<RateDecision>;
  close(): Promise<void>;
}

const ALLOWED: RateDecision = { allowed: true, retryAfterSeconds: 0 };

/** What a refused request is told, on every transport. */
export function rateLimitedMessage(decision: RateDecision): string {
  return `Too many requests for this API key; retry in ${decision.retryAfterSeconds} s`;
}

export function createRateLimiter(settings: RateLimitSettings, redisUrl: string | null, log: Logger): RateLimiter {
  if (settings.perSecond <= 0) return { enabled: false, take: async () => ALLOWED, close: async () => {} };
  const burst = Math.max(1, settings.burst || Math.ceil(settings.perSecond));
  return redisUrl ? new RedisBuckets(settings.perSecond, burst, redisUrl, log) : new MemoryBuckets(settings.perSecond, burst);
}

const retryAfter = (missing: number, perSecond: number) => Math.max(1, Math.ceil(missing / perSecond));

class MemoryBuckets implements RateLimiter {
  readonly enabled = true;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #sweep: NodeJS.Timeout;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    // A bucket that has refilled is the same as no bucket: forget it, so idle keys cost nothing.
    const fullAfterMs = (burst / perSecond) * 1000;
    this.#sweep = setInterval(() => {
      const now = performance.now();
      for (const [key, bucket] of this.#buckets) if (now - bucket.at > fullAfterMs) this.#buckets.delete(key);
    }, Math.max(1000, Math.min(fullAfterMs, 60_000)));
    this.#sweep.unref();
  }

  async take(key: string): Promise<RateDecision> {
    const now = performance.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return ALLOWED;
    }
    return { allowed: false, retryAfterSeconds: retryAfter(1 - bucket.tokens, this.perSecond) };
  }

  async close() {
    clearInterval(this.#sweep);
  }
}

/**
 * KEYS[1] the bucket; ARGV rate per second, burst. Answers { allowed 0|1, milliseconds until
 * one token }. The bucket expires once it would be full again, so idle keys take no memory.
 */
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return { allowed, wait }
`;

type BucketRedis = Redis & { takeToken(key: string, rate: number, burst: number): Promise<[number, number]> };

class RedisBuckets implements RateLimiter {
  readonly enabled = true;
  readonly #redis: BucketRedis;
  #warned = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    redisUrl: string,
    private readonly log: Logger,
  ) {
    const redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: true });
    redis.on('error', () => {}); // reported per request below, not as an unhandled 'error'
    // defineCommand sends EVALSHA (one round trip), and the script itself only when Redis lacks it.
    redis.defineCommand('takeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    this.#redis = redis as BucketRedis;
  }

  async take(key: string): Promise<RateDecision> {
    try {
      const [allowed, waitMs] = await this.#redis.takeToken(`switchboard:ratelimit:${key}`, this.perSecond, this.burst);
      return allowed === 1 ? ALLOWED : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    } catch (error) {
      // Redis unreachable: serve rather than refuse everyone; say so at most once a minute.
      if (Date.now() - this.#warned > 60_000) {
        this.#warned = Date.now();
        this.log.warn({ err: error }, 'rate limit: Redis unreachable, requests are not limited meanwhile');
      }
      return ALLOWED;
    }
  }

  async close() {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
