/**
 * A workflow interceptor for replay tests: reports every activity input the code schedules, serialised in
 * the sandbox as the payload converter does (JSON.stringify), through a sink that also runs during replay.
 * Core's replay compares commands but not their inputs; with this the test compares those too.
 */
import { proxySinks, type Sinks, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

export interface ScheduledSinks extends Sinks {
  scheduled: { activity(activityType: string, args: string[]): void };
}

const { scheduled } = proxySinks<ScheduledSinks>();

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleActivity(input, next) {
        scheduled.activity(
          input.activityType,
          input.args.map((a) => JSON.stringify(a)),
        );
        return next(input);
      },
    },
  ],
});
