import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { JOB_QUEUE } from '@greenlight/contracts';
import { MetricsService } from '@greenlight/http';

/** What became of one try of a job: done, failed (it may be tried again), or put back without using a try. */
export type JobOutcome = 'completed' | 'failed' | 'delayed';

/** Job tries and their durations per queue, job name and outcome, on the worker's /metrics. */
@Injectable()
export class JobMetrics {
  private readonly tries: Counter<'queue' | 'name' | 'outcome'>;
  private readonly duration: Histogram<'queue' | 'name' | 'outcome'>;

  constructor(metrics: MetricsService) {
    this.tries = new Counter({
      name: 'greenlight_jobs_total',
      help: 'Job tries by queue, job name and outcome (completed, failed, delayed: put back without using a try)',
      labelNames: ['queue', 'name', 'outcome'] as const,
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: 'greenlight_job_duration_seconds',
      help: 'How long a job try ran, by queue, job name and outcome',
      labelNames: ['queue', 'name', 'outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [metrics.registry],
    });
  }

  observe(queue: string, name: string, outcome: JobOutcome, seconds: number): void {
    // Only catalogue names become labels: a stray job name must not grow the series.
    const labels = { queue, name: Object.hasOwn(JOB_QUEUE, name) ? name : 'unknown', outcome };
    this.tries.inc(labels);
    this.duration.observe(labels, seconds);
  }
}
