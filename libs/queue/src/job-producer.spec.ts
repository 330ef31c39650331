import type { FlowProducer, Job, Queue } from 'bullmq';
import { QueueName } from '@greenlight/contracts';
import { JobProducer } from './job-producer';

/** A queue that records what is added and numbers the jobs per queue. */
function fakeQueue(name: string) {
  const added: { name: string; data: unknown; opts?: unknown }[] = [];
  let next = 0;
  const job = (j: { name: string }) => ({ id: `${name}-${++next}`, name: j.name });
  const queue = {
    name,
    defaultJobOptions: { attempts: name === QueueName.EvalRuns ? 5 : 1 },
    added,
    add: async (jobName: string, data: unknown, opts?: unknown) => (added.push({ name: jobName, data, opts }), job({ name: jobName })),
    addBulk: async (jobs: { name: string; data: unknown; opts?: unknown }[]) => jobs.map((j) => (added.push(j), job(j))),
  };
  return queue;
}

function producer() {
  const system = fakeQueue(QueueName.System);
  const evalRuns = fakeQueue(QueueName.EvalRuns);
  const notifications = fakeQueue(QueueName.Notifications);
  const flows = { add: jest.fn(async (flow: { name: string }) => ({ job: { id: `flow-${flow.name}` } })) };
  const p = new JobProducer(system as unknown as Queue, evalRuns as unknown as Queue, notifications as unknown as Queue, flows as unknown as FlowProducer);
  return { p, system, evalRuns, notifications, flows };
}

describe('JobProducer', () => {
  it('enqueue puts a job on the queue of its name', async () => {
    const { p, evalRuns } = producer();
    const id = await p.enqueue('eval.run.start', { run_id: 'r', org_id: 'o', epoch: 1 }, { jobId: 'start-r-1' });
    expect(id).toBe('eval-runs-1');
    expect(evalRuns.added).toEqual([{ name: 'eval.run.start', data: { run_id: 'r', org_id: 'o', epoch: 1 }, opts: { jobId: 'start-r-1' } }]);
  });

  it('enqueueBulk adds one batch per queue and answers the ids in the order given', async () => {
    const { p, system, notifications } = producer();
    const ids = await p.enqueueBulk([
      { name: 'notify.deliver', data: { outbox_id: 'a', org_id: 'o' }, opts: { jobId: 'deliver-a' } },
      { name: 'system.ping', data: { sent_at: 'now' } },
      { name: 'notify.deliver', data: { outbox_id: 'b', org_id: 'o' } },
    ]);
    expect(ids).toEqual(['notifications-1', 'system-1', 'notifications-2']);
    expect(notifications.added.map((j) => j.data)).toEqual([
      { outbox_id: 'a', org_id: 'o' },
      { outbox_id: 'b', org_id: 'o' },
    ]);
    expect(system.added).toHaveLength(1);
  });

  it('a payload that does not match its job name does not compile', () => {
    const { p } = producer();
    const typeOnly = () => [
      // @ts-expect-error notify.deliver needs an outbox_id
      p.enqueue('notify.deliver', { sent_at: 'now' }),
      // @ts-expect-error the payload belongs to another job
      p.enqueueBulk([{ name: 'system.ping', data: { outbox_id: 'a', org_id: 'o' } }]),
    ];
    expect(typeof typeOnly).toBe('function');
  });

  it('requeueCopy adds the same job again on its own queue, with its tries and backoff and an optional delay', async () => {
    const { p, notifications } = producer();
    const failed = {
      queueName: QueueName.Notifications,
      name: 'notify.deliver',
      data: { outbox_id: 'a', org_id: 'o' },
      opts: { attempts: 3, backoff: { type: 'fixed', delay: 10 }, jobId: 'deliver-a', removeOnFail: true },
    } as unknown as Job;
    expect(await p.requeueCopy(failed, { delay: 500 })).toBe('notifications-1');
    expect(notifications.added[0]).toEqual({
      name: 'notify.deliver',
      data: failed.data,
      opts: { attempts: 3, backoff: { type: 'fixed', delay: 10 }, delay: 500 },
    });
    await p.requeueCopy({ ...failed, opts: {} } as unknown as Job);
    expect(notifications.added[1].opts).toEqual({});
    await expect(p.requeueCopy({ ...failed, queueName: 'toString' } as unknown as Job)).rejects.toThrow(/no queue named "toString"/);
  });

  it("enqueueFlow sends each node to its job's queue with every queue's default options", async () => {
    const { p, flows } = producer();
    const id = await p.enqueueFlow({
      name: 'eval.run.finalize',
      data: { run_id: 'r', org_id: 'o', epoch: 1 },
      children: [{ name: 'eval.run.chunk', data: { run_id: 'r', org_id: 'o', epoch: 1, chunk: 0, case_ids: ['c'] }, opts: { priority: 1 } }],
    });
    expect(id).toBe('flow-eval.run.finalize');
    const [tree, opts] = flows.add.mock.calls[0] as unknown as [Record<string, unknown>, { queuesOptions: Record<string, unknown> }];
    expect(tree).toMatchObject({
      name: 'eval.run.finalize',
      queueName: 'eval-runs',
      children: [{ name: 'eval.run.chunk', queueName: 'eval-runs', opts: { priority: 1 } }],
    });
    expect(opts.queuesOptions['eval-runs']).toEqual({ defaultJobOptions: { attempts: 5 } });
  });
});
