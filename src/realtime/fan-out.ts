import { subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { WebSocket } from 'ws';
import { contextFor, type Context } from '../graphql/context';
import type { Services } from '../services';

/**
 * The close code for a subscriber that cannot keep up: 1013 Try Again Later. Its socket had more
 * than `WS_MAX_BUFFERED_BYTES` of events still unsent when the next one came. The graphql-ws
 * client retries after 1013; 4429 would not do, graphql-ws uses it for "too many initialisation
 * requests" and its client gives up on it.
 */
export const TOO_FAR_BEHIND = 1013;

/** One WebSocket subscription: its socket and the `id` its client gave it. */
export interface Subscriber {
  socket: WebSocket;
  id: string;
}

/**
 * Live events to many WebSocket subscribers at the cost of one. Subscribers whose operation,
 * variables and caller are the same would each get the same result for every event, so they
 * share one execution (one `subscribe`, one listener on the event topic): each event is executed
 * once, serialized once, and the frame written to every socket of the group with only the
 * subscription's `id` differing. Callers differ by organization and by kind of identity, so an
 * event only ever reaches the subscribers whose own subscription would have yielded it.
 *
 * A socket is never waited on. A subscriber that reads slower than events arrive piles them up
 * in its socket's buffer; past `WS_MAX_BUFFERED_BYTES` its connection is closed with
 * TOO_FAR_BEHIND rather than buffering without end, and the others are not held back.
 */
export class FanOut {
  readonly #groups = new Map<string, Group>();

  constructor(private readonly services: Services) {}

  /**
   * graphql-ws's `subscribe` for one subscriber of the group `key`. Returns the error result when
   * the subscription cannot start; otherwise a stream that yields nothing (the group writes the
   * frames) and ends when the group does, so graphql-ws still sends `complete` or `error`, and
   * still ends it on the client's `complete` or when the socket closes.
   */
  async join(key: string, args: ExecutionArgs, subscriber: Subscriber): Promise<AsyncGenerator<never> | ExecutionResult> {
    let group = this.#groups.get(key);
    if (!group) {
      // Out of the map as soon as it ends or its last subscriber leaves: a later subscriber starts afresh.
      const created: Group = new Group(this.services, args, () => this.#groups.get(key) === created && this.#groups.delete(key));
      this.#groups.set(key, created);
      void created.run();
      group = created;
    }
    const member = group.add(subscriber);
    try {
      const source = await group.source;
      if (isStream(source)) return member.stream();
      group.remove(member);
      return source;
    } catch (error) {
      group.remove(member);
      throw error;
    }
  }
}

type Source = AsyncGenerator<ExecutionResult> | ExecutionResult;
const isStream = (source: Source): source is AsyncGenerator<ExecutionResult> => Symbol.asyncIterator in source;

class Group {
  readonly members = new Set<Member>();
  readonly context: Context;
  /** The shared subscription: its event stream, or the error result when it could not start. */
  readonly source: Promise<Source>;

  constructor(
    services: Services,
    args: ExecutionArgs,
    private readonly closed: () => void,
  ) {
    // The first subscriber's caller: the group's key makes it every member's too.
    const context = contextFor(services, (args.contextValue as Context).caller, { subscribers: () => this.members.size });
    this.context = context;
    this.source = (async () => (await subscribe({ ...args, contextValue: context })) as Source)();
  }

  add(subscriber: Subscriber): Member {
    const member = new Member(subscriber, this);
    this.members.add(member);
    return member;
  }

  remove(member: Member) {
    if (!this.members.delete(member) || this.members.size > 0) return;
    // The last subscriber left: stop listening (and, under Redis, unsubscribe the topic).
    this.closed();
    void this.source.then(
      (source) => (isStream(source) ? source.return(undefined) : undefined),
      () => {},
    );
  }

  async run() {
    let failure: unknown = null;
    try {
      const source = await this.source;
      if (isStream(source)) for await (const result of source) this.#send(result);
    } catch (error) {
      failure = error;
    } finally {
      this.closed();
      for (const member of this.members) member.end(failure);
    }
  }

  #send(result: ExecutionResult) {
    const payload = JSON.stringify(result);
    this.context.services.metrics.subscriptionExecutions.inc();
    for (const member of this.members) member.send(payload);
  }
}

class Member {
  /** The frame up to its payload: `{"id":…,"type":"next","payload":`. */
  readonly #head: string;
  readonly #ended: Promise<IteratorResult<never>>;
  #end!: (result: IteratorResult<never>) => void;
  #fail!: (error: unknown) => void;

  constructor(
    private readonly subscriber: Subscriber,
    private readonly group: Group,
  ) {
    this.#head = `{"id":${JSON.stringify(subscriber.id)},"type":"next","payload":`;
    this.#ended = new Promise((resolve, reject) => {
      this.#end = resolve;
      this.#fail = reject;
    });
    // Awaited by graphql-ws only once the subscription started: a failure before is not unhandled.
    this.#ended.catch(() => {});
  }

  send(payload: string) {
    const { socket } = this.subscriber;
    if (socket.readyState !== WebSocket.OPEN) return;
    const { config, metrics } = this.group.context.services;
    if (socket.bufferedAmount > config.wsMaxBufferedBytes) {
      socket.close(TOO_FAR_BEHIND, 'Try again later: too far behind');
      metrics.slowSubscribersClosed.inc();
      return;
    }
    socket.send(this.#head + payload + '}');
  }

  end(error: unknown) {
    if (error) this.#fail(error);
    else this.#end({ done: true, value: undefined });
  }

  stream(): AsyncGenerator<never> {
    const leave = async (): Promise<IteratorResult<never>> => {
      this.group.remove(this);
      this.end(null);
      return { done: true, value: undefined };
    };
    const stream = {
      [Symbol.asyncIterator]: () => stream,
      next: () => this.#ended,
      return: leave,
      throw: leave,
    };
    return stream as unknown as AsyncGenerator<never>;
  }
}
