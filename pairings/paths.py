"""The SQL that keeps ``Region.path`` (ids from the province down to the region).

In a module of its own because migration 0003 and ``regions_load`` both run it.
"""

# Before the row is written, so a bulk upsert or a COPY gets its path too.
# Parents are written before their children (the loader goes level by level).
# Only when the parent is written: the refresh below sets paths alone, and a
# trigger would read the parents' paths as they were before that statement.
REGION_PATH_TRIGGER = """
CREATE OR REPLACE FUNCTION pairings_region_path() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.path := COALESCE(
        (SELECT parent.path FROM pairings_region AS parent WHERE parent.id = NEW.parent_id),
        '{}'::bigint[]
    ) || NEW.id;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER region_path BEFORE INSERT OR UPDATE OF parent_id ON pairings_region
FOR EACH ROW EXECUTE FUNCTION pairings_region_path();
"""

# Every path from the tree, top down; rows already right are not rewritten.
REGION_PATHS_REFRESH = """
WITH RECURSIVE tree(id, path) AS (
    SELECT id, ARRAY[id] FROM pairings_region WHERE parent_id IS NULL
    UNION ALL
    SELECT child.id, tree.path || child.id
    FROM pairings_region AS child JOIN tree ON child.parent_id = tree.id
)
UPDATE pairings_region AS region SET path = tree.path
FROM tree WHERE tree.id = region.id AND region.path IS DISTINCT FROM tree.path
"""
