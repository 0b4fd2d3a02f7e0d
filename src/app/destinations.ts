/**
 * The registry of destinations: the scheduler delivers to, the CLI's `schedule destination` sets,
 * and the Schedule page shows every destination listed here, in this order. A new destination is
 * a module implementing `Destination` (src/destinations/destination.ts) added to this list.
 */
import { DestinationRegistry } from '../destinations/destination.js';
import { filesDestination } from '../destinations/files/destination.js';
import { fireflyDestination } from './firefly-destination.js';

export const destinations = new DestinationRegistry([fireflyDestination, filesDestination]);
