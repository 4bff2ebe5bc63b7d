package mailroom.storage;

import java.nio.file.Path;

/** Opens one storage implementation on a directory; needs a public no-argument constructor (child JVMs use it). */
public interface StorageOpener {
    Storage open(Path dataDir);
}
