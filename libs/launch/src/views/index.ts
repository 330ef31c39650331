export * from './launch-views.module';
