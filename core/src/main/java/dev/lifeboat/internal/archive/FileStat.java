package dev.lifeboat.internal.archive;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Map;

/**
 * What the tar header of one path needs from its {@code lstat}: the full {@code st_mode} (file type, permission
 * and set-id bits), owner and group ids, size and modification time; and, to store a file with several names once,
 * its link count and identity ({@code fileKey}: device and inode on Unix, or null).
 *
 * <p>The JDK offers these through the {@code "unix:mode,uid,gid,…"} attribute view only, which parses the attribute
 * string and fills a map on every call. Archiving 20,000 files, that call tree is the largest single job of the
 * JIT (≈ 0.35 s of C2 time and a 24 MB compiler arena on a 4 s backup). Where the JVM lets us ({@code Add-Opens:
 * java.base/sun.nio.fs}, which the CLI jar's manifest declares), the same values are read from the attributes
 * object that {@code Files.readAttributes(path, PosixFileAttributes.class, NOFOLLOW_LINKS)} returns, through one
 * {@code lstat}; elsewhere (a library inside an application, another JDK) the attribute view is used. Both give the
 * same values.
 */
record FileStat(int mode, long uid, long gid, long size, FileTime lastModified, int links, Object fileKey) {
    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFIFO = 0010000;
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;

    private static final String VIEW_ATTRIBUTES = "unix:mode,uid,gid,size,lastModifiedTime,nlink,fileKey";
    private static final Direct DIRECT = Direct.find();

    /** The {@code lstat} of {@code path} (links are not followed). */
    static FileStat of(Path path) throws IOException {
        return DIRECT != null ? DIRECT.stat(path) : viaView(path);
    }

    /** Whether the fast path is in use (for tests and diagnostics). */
    static boolean direct() {
        return DIRECT != null;
    }

    static FileStat viaView(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, VIEW_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        return new FileStat((Integer) a.get("mode"), Integer.toUnsignedLong((Integer) a.get("uid")),
                Integer.toUnsignedLong((Integer) a.get("gid")), (Long) a.get("size"), (FileTime) a.get("lastModifiedTime"),
                (Integer) a.get("nlink"), a.get("fileKey"));
    }

    int type() {
        return mode & S_IFMT;
    }

    int permissions() {
        return mode & 07777;
    }

    /** {@code sun.nio.fs.UnixFileAttributes}' own accessors, when the module system lets us call them. */
    private record Direct(Class<?> type, MethodHandle mode, MethodHandle uid, MethodHandle gid, MethodHandle nlink) {
        static Direct find() {
            try {
                Class<?> c = Class.forName("sun.nio.fs.UnixFileAttributes");
                return new Direct(c, accessor(c, "mode"), accessor(c, "uid"), accessor(c, "gid"), accessor(c, "nlink"));
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return null; // not opened to us (InaccessibleObjectException), or not this JDK's internals
            }
        }

        private static MethodHandle accessor(Class<?> c, String name) throws ReflectiveOperationException {
            Method m = c.getDeclaredMethod(name);
            if (m.getReturnType() != int.class) {
                throw new NoSuchMethodException(c.getName() + "." + name + " does not return int");
            }
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m).asType(MethodType.methodType(int.class, Object.class));
        }

        FileStat stat(Path path) throws IOException {
            // asked as PosixFileAttributes: for BasicFileAttributes the provider returns a wrapper without the ids
            PosixFileAttributes a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!type.isInstance(a)) {
                return viaView(path); // another file system provider (a zip file system, a test double)
            }
            try {
                return new FileStat((int) mode.invokeExact((Object) a), Integer.toUnsignedLong((int) uid.invokeExact((Object) a)),
                        Integer.toUnsignedLong((int) gid.invokeExact((Object) a)), a.size(), a.lastModifiedTime(),
                        (int) nlink.invokeExact((Object) a), a.fileKey());
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e); // the accessors declare no checked exception
            }
        }
    }
}
