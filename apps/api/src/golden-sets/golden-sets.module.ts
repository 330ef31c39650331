import { Module } from '@nestjs/common';
import { GoldenSetsModule } from '@greenlight/golden-sets';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '@greenlight/config';
import { GoldenSetsController } from './golden-sets.controller';

@Module({
  imports: [
    GoldenSetsModule,
    MulterModule.registerAsync({
      inject: [AppConfig],
      // Memory storage: the parser needs the bytes anyway; the cap keeps it bounded.
      useFactory: (config: AppConfig) => ({ limits: { fileSize: config.get('GOLDEN_SET_MAX_FILE_BYTES'), files: 1, fields: 20, parts: 25 } }),
    }),
  ],
  controllers: [GoldenSetsController],
})
export class GoldenSetsApiModule {}
