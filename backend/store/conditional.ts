import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** What the conditional `write` answers, or undefined when its condition failed (the item moved meanwhile). */
export async function unlessConditionFails<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Whether the conditional `write` was made: false when its condition failed. */
export async function conditionHeld(write: () => Promise<unknown>): Promise<boolean> {
  const made = await unlessConditionFails(async () => {
    await write();
    return true;
  });
  return made ?? false;
}
