import { InjectFlowProducer, InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { BulkJobOptions, FlowChildJob, FlowJob, FlowProducer, Job, JobSchedulerTemplateOptions, JobsOptions, Queue } from 'bullmq';
import { JOB_QUEUE, JobEntry, JobName, JobPayloads, QueueName } from '@greenlight/contracts';
import { EVAL_FLOWS } from './flows';

/** A job to add in bulk: name, payload of that name, and its own options. */
export type BulkJob<J extends JobName = JobName> = { [K in J]: JobEntry<K> & { opts?: BulkJobOptions } }[J];

/** A job of a flow: a parent runs once all its children are done. */
export type FlowNode<J extends JobName = JobName> = { [K in J]: JobEntry<K> & { opts?: FlowChildJob['opts']; children?: FlowNode[] } }[J];

/**
 * The one way jobs are added. Every method is typed by the job catalogue: a job name decides its
 * payload and its queue, so a payload that does not match its name does not compile and no job
 * lands on a queue that has no handler for it. Jobs get their queue's options (tries, backoff,
 * retention; see `queueJobDefaults`) unless they set their own.
 */
@Injectable()
export class JobProducer {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.System) system: Queue,
    @InjectQueue(QueueName.EvalRuns) evalRuns: Queue,
    @InjectQueue(QueueName.Notifications) notifications: Queue,
    @InjectFlowProducer(EVAL_FLOWS) private readonly flows: FlowProducer,
  ) {
    this.queues = { [QueueName.System]: system, [QueueName.EvalRuns]: evalRuns, [QueueName.Notifications]: notifications };
  }

  /** Adds one job; answers its id. */
  async enqueue<J extends JobName>(name: J, data: JobPayloads[J], opts?: JobsOptions): Promise<string> {
    const job = await this.queues[JOB_QUEUE[name]].add(name, data, opts);
    return String(job.id);
  }

  /** Adds several jobs, one round trip per queue; answers their ids in the order given. */
  async enqueueBulk(jobs: readonly BulkJob[]): Promise<string[]> {
    const ids: string[] = new Array(jobs.length);
    const byQueue = new Map<QueueName, number[]>();
    jobs.forEach((job, i) => {
      const queue = JOB_QUEUE[job.name];
      const indexes = byQueue.get(queue);
      if (indexes) indexes.push(i);
      else byQueue.set(queue, [i]);
    });
    for (const [queue, indexes] of byQueue) {
      const added = await this.queues[queue].addBulk(indexes.map((i) => jobs[i]));
      added.forEach((job, k) => (ids[indexes[k]] = String(job.id)));
    }
    return ids;
  }

  /**
   * Adds a parent job with its children (each on its own job's queue) in one step; answers the
   * parent's id. Each node gets its queue's options unless it sets its own.
   */
  async enqueueFlow(flow: FlowNode): Promise<string> {
    const queuesOptions = Object.fromEntries(Object.entries(this.queues).map(([name, queue]) => [name, { defaultJobOptions: queue.defaultJobOptions }]));
    const added = await this.flows.add(flowJob(flow), { queuesOptions });
    return String(added.job.id);
  }

  /**
   * Adds a copy of an existing job (same name, payload, tries and backoff) as a new job on the same
   * queue, e.g. to retry a failed job later than at once; answers the copy's id.
   */
  async requeueCopy(job: Job, opts: { delay?: number } = {}): Promise<string> {
    const queue = this.queueNamed(job.queueName);
    const own: JobsOptions = {};
    if (job.opts.attempts !== undefined) own.attempts = job.opts.attempts;
    if (job.opts.backoff !== undefined) own.backoff = job.opts.backoff;
    if (opts.delay && opts.delay > 0) own.delay = opts.delay;
    const copy = await queue.add(job.name, job.data, own);
    return String(copy.id);
  }

  /**
   * Creates or updates the job scheduler `id`: a job `name` every `every` ms, on that job's queue.
   * Schedulers are keyed by id, so any number of processes may call this with the same id.
   */
  async upsertScheduler<J extends JobName>(id: string, every: number, job: JobEntry<J> & { opts?: JobSchedulerTemplateOptions }): Promise<void> {
    await this.queues[JOB_QUEUE[job.name]].upsertJobScheduler(id, { every }, { name: job.name, data: job.data, opts: job.opts });
  }

  async removeScheduler(queue: QueueName, id: string): Promise<void> {
    await this.queues[queue].removeJobScheduler(id);
  }

  /**
   * The BullMQ queue, to look at (counts, jobs, states, schedulers) and for queue-wide settings such
   * as the global concurrency cap. Jobs are added through the typed methods above, never here.
   */
  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  private queueNamed(name: string): Queue {
    if (!Object.hasOwn(this.queues, name)) throw new Error(`no queue named "${name}"`);
    return this.queues[name as QueueName];
  }
}

function flowJob(node: FlowNode): FlowJob {
  return { name: node.name, queueName: JOB_QUEUE[node.name], data: node.data, opts: node.opts, children: node.children?.map(flowJob) };
}
