import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { BATCH_CANCEL_REASON } from '../../common/names';
import { resourceName, type DeployConfig } from '../config';
import type { CodyBatchApi } from './api';
import type { CodyBatchWorkers } from './batch';

// Alarms into one SNS topic: any 5xx from the API (the API promises 4xx for bad input, so a 5xx is
// a bug or an outage), any error of the API or sweeper Lambda, and any worker job that AWS Batch
// reports FAILED (a crash, a timeout, or an infrastructure failure past its retries). The failed
// job events also go to the topic as they happen, so the message names the job and the reason.

export interface CodyBatchAlarmsProps {
  config: DeployConfig;
  api: CodyBatchApi;
  workers: CodyBatchWorkers;
}

export class CodyBatchAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly env: DeployConfig['env'];

  constructor(scope: Construct, id: string, props: CodyBatchAlarmsProps) {
    super(scope, id);
    const { config, api, workers } = props;
    this.env = config.env;
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: resourceName(config.env, 'alarms'),
      displayName: `Cody Batch ${config.env} alarms`,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));

    const period = Duration.minutes(5);
    this.alarmOn('api-5xx', 'The API answered 5xx', api.httpApi.metricServerError({ period, statistic: 'Sum' }));
    this.alarmOn(
      'api-errors',
      'The API Lambda failed (error, timeout or crash)',
      api.apiFunction.metricErrors({ period, statistic: 'Sum' }),
    );
    this.alarmOn(
      'sweeper-errors',
      'The sweeper Lambda failed',
      api.sweeperFunction.metricErrors({ period, statistic: 'Sum' }),
    );

    const failedJobs = new events.Rule(this, 'FailedWorkerJobs', {
      ruleName: resourceName(config.env, 'worker-failed'),
      description: 'Cody Batch: a worker job on this queue ended FAILED (jobs cancelled through Cody Batch excepted)',
      eventPattern: {
        source: ['aws.batch'],
        detailType: ['Batch Job State Change'],
        detail: {
          status: ['FAILED'],
          jobQueue: [workers.jobQueue.jobQueueArn],
          statusReason: [{ 'anything-but': { prefix: BATCH_CANCEL_REASON } }],
        },
      },
      targets: [new targets.SnsTopic(this.topic)],
    });
    this.alarmOn(
      'worker-failed',
      'AWS Batch reported a worker job FAILED',
      new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'TriggeredRules',
        dimensionsMap: { RuleName: failedJobs.ruleName },
        period,
        statistic: 'Sum',
      }),
    );
  }

  private alarmOn(what: string, description: string, metric: cloudwatch.IMetric): void {
    const alarm = new cloudwatch.Alarm(this, what, {
      alarmName: resourceName(this.env, what),
      alarmDescription: `Cody Batch: ${description}. See docs/operations.md, "Troubleshooting".`,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
