import { describe, expect, test } from "bun:test";
import { ConfigError, DEFAULT_CONFIG, resolveConfig } from "../../../broker/config.ts";
import { envLayer } from "../../../cli/config-sources.ts";

describe("broker config", () => {
  test("defaults are an embedded single node on 9092 with file storage in ./data", () => {
    const config = resolveConfig([]);
    expect(config).toEqual({ ...DEFAULT_CONFIG });
    expect(config.broker_port).toBe(9092);
    expect(config.host).toBe("0.0.0.0");
    expect(config.storage_engine).toBe("file");
    expect(config.data_dir).toBe("./data");
    expect(config.broker_id).toBe(1);
  });

  test("later layers override earlier ones: file < environment < flags", () => {
    const config = resolveConfig([
      { source: "file.toml", values: { broker_port: 1000, data_dir: "/a", broker_id: 5 } },
      envLayer({ DATACORE_BROKER_PORT: "2000", DATACORE_DATA_DIR: "/b" }),
      { source: "flag", values: { broker_port: "3000" } },
    ]);
    expect(config.broker_port).toBe(3000);
    expect(config.data_dir).toBe("/b");
    expect(config.broker_id).toBe(5);
  });

  test("environment variables for other commands are not read as broker keys", () => {
    expect(() => resolveConfig([envLayer({ DATACORE_BROKERS: "x:1" })])).not.toThrow();
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["unknown key", { brokr_port: 1 }, "brokr_port", /unknown key/],
    ["wrong type", { broker_port: "abc" }, "broker_port", /expected an integer/],
    ["port out of range", { broker_port: 65536 }, "broker_port", /out of range 0\.\.65535/],
    ["negative id", { broker_id: -1 }, "broker_id", /out of range/],
    ["bad enum", { storage_engine: "tape" }, "storage_engine", /expected one of memory, file/],
    [
      "bool from text",
      { auto_create_topics_enable: "yes" },
      "auto_create_topics_enable",
      /true or false/,
    ],
    ["table for a scalar", { host: { a: 1 } }, "host", /expected a string, got a table/],
    ["empty data dir", { data_dir: "" }, "data_dir", /must not be empty/],
  ];
  for (const [name, values, key, reason] of bad) {
    test(`rejects ${name}, naming the key`, () => {
      let error: unknown;
      try {
        resolveConfig([{ source: "test.toml", values }]);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const configError = error as ConfigError;
      expect(configError.key).toBe(key);
      expect(configError.message).toMatch(reason);
      expect(configError.message).toContain("test.toml");
    });
  }
});
