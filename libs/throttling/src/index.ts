export * from './throttling.module';
