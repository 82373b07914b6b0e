// The README's team sections, run as a user runs them (test/helpers/readme-examples.ts).
import { describeReadmeGroup } from './helpers/readme-examples.js';

describeReadmeGroup('team');
