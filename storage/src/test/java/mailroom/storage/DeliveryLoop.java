package mailroom.storage;

import java.nio.file.Path;
import java.util.Random;

/**
 * A child process for the crash test: delivers messages of random sizes as fast as it can and
 * prints "ACK uid blob" once each delivery has returned (that is, was acknowledged). The parent
 * kills it with SIGKILL at a random moment.
 */
public final class DeliveryLoop {
    public static void main(String[] args) throws Exception {
        var opener = (StorageOpener) Class.forName(args[0]).getConstructor().newInstance();
        Storage storage = opener.open(Path.of(args[1]));
        storage.directory().addDomain("example.test");
        long account = storage.directory().account("crash", "example.test")
                .orElseGet(() -> storage.directory().addAccount("crash", "example.test", "x")).id();
        var random = new Random();
        for (int i = 0; ; i++) {
            byte[] body = new byte[1024 + random.nextInt(256 * 1024)];
            for (int j = 0; j < body.length; j++) body[j] = (byte) ('a' + random.nextInt(26));
            byte[] message = TestMessages.message("crash " + i + " " + random.nextLong(), new String(body));
            var filed = TestMessages.deliver(storage, message, account).get(0);
            System.out.println("ACK " + filed.uid());
            System.out.flush();
        }
    }
}
