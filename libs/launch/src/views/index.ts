export * from './launch-views.module';
export * from './views.types';
export * from './agent-activity.service';
export * from './score-trend.service';
export * from './agent-health.service';
export * from './portfolio-health.service';
