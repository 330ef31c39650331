import { InjectFlowProducer, InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { FlowProducer, Queue } from 'bullmq';
import { QueueName } from '@greenlight/contracts';
import { EVAL_FLOWS } from './flows';

/**
 * Queues and flow producers report Redis trouble as 'error' events; without a listener BullMQ dumps
 * each one, stack and all, on stderr (several per reconnect attempt while Redis is away). This gives
 * them one: a warning per distinct message, repeated at most once a minute, in the app's log format.
 */
@Injectable()
export class QueueErrorLog {
  private readonly logger = new Logger('Queues');
  private readonly lastLogged = new Map<string, number>();

  constructor(
    @InjectQueue(QueueName.System) system: Queue,
    @InjectQueue(QueueName.EvalRuns) evalRuns: Queue,
    @InjectQueue(QueueName.Notifications) notifications: Queue,
    @InjectFlowProducer(EVAL_FLOWS) flows: FlowProducer,
  ) {
    const emitters: [string, { on(event: 'error', listener: (err: Error) => void): unknown }][] = [
      [QueueName.System, system as never],
      [QueueName.EvalRuns, evalRuns as never],
      [QueueName.Notifications, notifications as never],
      [EVAL_FLOWS, flows as never],
    ];
    for (const [name, emitter] of emitters) emitter.on('error', (err) => this.report(name, err));
  }

  report(source: string, err: Error): void {
    const key = `${source}: ${err.message}`;
    const now = Date.now();
    if (now - (this.lastLogged.get(key) ?? 0) < 60_000) return;
    this.lastLogged.set(key, now);
    if (this.lastLogged.size > 100) this.lastLogged.clear();
    this.logger.warn(`${key} (Redis unreachable or refusing; jobs wait until it is back)`);
  }
}
