-- Hot retention pruned $name before $before: the horizon only moves forward.
INSERT INTO hot_horizon VALUES ($name, $before)
ON CONFLICT (name) DO UPDATE SET before_ns = greatest(hot_horizon.before_ns, excluded.before_ns)
