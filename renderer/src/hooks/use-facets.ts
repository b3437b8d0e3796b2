/**
 * Values for the filter pickers: `listFacets` once, then grown from pushed deletions.
 */
import { useEffect, useState } from 'react';
import { isTestDeletion, type CallResult } from '../../../electron/core/contract';
import { useMonitor } from '../api/monitor-context';

export type Facets = CallResult<'listFacets'>;

const EMPTY: Facets = { portals: [], events: [], entityTypeIds: [] };

function withValue<T>(list: T[], value: T, compare: (a: T, b: T) => number): T[] {
  return list.includes(value) ? list : [...list, value].sort(compare);
}

export function useFacets(): Facets {
  const api = useMonitor();
  const [facets, setFacets] = useState<Facets>(EMPTY);
  useEffect(() => {
    let live = true;
    const off = api.on('deletionsAdded', (records) => {
      setFacets((f) => {
        let next = f;
        for (const r of records) {
          if (isTestDeletion(r)) continue; // offered only with "Show test events", never as a portal
          if (r.entityTypeName && next.entityTypeNames?.[r.entityTypeId] !== r.entityTypeName) {
            next = { ...next, entityTypeNames: { ...next.entityTypeNames, [r.entityTypeId]: r.entityTypeName } };
          }
          const portals = withValue(next.portals, r.portal, (a, b) => a.localeCompare(b));
          const events = withValue(next.events, r.event, (a, b) => a.localeCompare(b));
          const entityTypeIds = withValue(next.entityTypeIds, r.entityTypeId, (a, b) => a - b);
          if (portals !== next.portals || events !== next.events || entityTypeIds !== next.entityTypeIds) next = { ...next, portals, events, entityTypeIds };
        }
        return next;
      });
    });
    const load = (): void => {
      api.listFacets().then(
        (loaded) => {
          if (!live) return;
          setFacets((f) => ({
            portals: [...new Set([...loaded.portals, ...f.portals])].sort((a, b) => a.localeCompare(b)),
            events: [...new Set([...loaded.events, ...f.events])].sort((a, b) => a.localeCompare(b)),
            entityTypeIds: [...new Set([...loaded.entityTypeIds, ...f.entityTypeIds])].sort((a, b) => a - b),
            entityTypeNames: { ...f.entityTypeNames, ...loaded.entityTypeNames },
          }));
        },
        () => undefined, // pickers stay as they are; the table reports load errors
      );
    };
    load();
    // Application mode learned names (a portal's types among them): the pickers ask again.
    const offNames = api.on('namesChanged', load);
    return () => {
      live = false;
      off();
      offNames();
    };
  }, [api]);
  return facets;
}
