import { z } from 'zod';
import { defineRule } from '../src/rule.js';

// Work in progress: being written in this session.
export default defineRule({
  meta: {
    id: 'fake-compression',
    category: 'Async/Concurrency',
    defaultSeverity: 'high',
    description: 'TODO',
    messages: {},
    triggers: [],
    requiresTypeInfo: false,
    options: z.strictObject({}),
  },
  create: () => ({ kinds: {} }),
});
