package dev.lifeboat.internal.json;

import java.util.List;
import java.util.Map;

/** Typed access to a parsed JSON object, with errors that name the missing or mistyped field. */
public record JsonObject(Map<String, Object> map, String where) {

    @SuppressWarnings("unchecked")
    public static JsonObject of(Object parsed, String where) {
        if (!(parsed instanceof Map)) {
            throw new IllegalArgumentException(where + " must be a JSON object");
        }
        return new JsonObject((Map<String, Object>) parsed, where);
    }

    public boolean has(String field) {
        return map.containsKey(field) && map.get(field) != null;
    }

    public String string(String field) {
        Object v = required(field);
        if (!(v instanceof String s)) {
            throw mistyped(field, "a string");
        }
        return s;
    }

    public String optString(String field, String fallback) {
        return has(field) ? string(field) : fallback;
    }

    public long number(String field) {
        Object v = required(field);
        if (!(v instanceof Long l)) {
            throw mistyped(field, "an integer");
        }
        return l;
    }

    public int integer(String field) {
        long l = number(field);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw mistyped(field, "a 32-bit integer");
        }
        return (int) l;
    }

    public boolean bool(String field) {
        Object v = required(field);
        if (!(v instanceof Boolean b)) {
            throw mistyped(field, "true or false");
        }
        return b;
    }

    public JsonObject object(String field) {
        Object v = required(field);
        if (!(v instanceof Map)) {
            throw mistyped(field, "an object");
        }
        return of(v, where + "." + field);
    }

    public JsonObject optObject(String field) {
        return has(field) ? object(field) : null;
    }

    public List<Object> array(String field) {
        Object v = required(field);
        if (!(v instanceof List<?> l)) {
            throw mistyped(field, "an array");
        }
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) l;
        return list;
    }

    public List<Object> optArray(String field) {
        return has(field) ? array(field) : List.of();
    }

    private Object required(String field) {
        Object v = map.get(field);
        if (v == null) {
            throw new IllegalArgumentException(where + "." + field + " is missing");
        }
        return v;
    }

    private IllegalArgumentException mistyped(String field, String what) {
        return new IllegalArgumentException(where + "." + field + " must be " + what);
    }
}
