/** Suggestions for a time zone field (IANA names, as the server checks them), typed or picked. */
const ZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();

export const TIME_ZONE_LIST = 'time-zones';

/** Put once on a page; fields point at it with list={TIME_ZONE_LIST}. */
export function TimeZoneList() {
  return (
    <datalist id={TIME_ZONE_LIST}>
      {['UTC', ...ZONES.filter((z) => z !== 'UTC')].map((z) => (
        <option value={z} />
      ))}
    </datalist>
  );
}
