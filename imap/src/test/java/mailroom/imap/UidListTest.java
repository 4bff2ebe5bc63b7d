package mailroom.imap;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class UidListTest {
    /** Random appends and removals, checked against a plain sorted set at every step. */
    @Test
    void behavesLikeASortedListOfUids() {
        var random = new Random(7);
        var list = new UidList();
        var model = new TreeSet<Long>();
        long next = 1;
        for (int step = 0; step < 5000; step++) {
            if (model.isEmpty() || random.nextInt(3) > 0) {
                next += random.nextInt(4) == 0 ? 1 + random.nextInt(5) : 0;
                list.append(next);
                model.add(next++);
            } else {
                long victim = new ArrayList<>(model).get(random.nextInt(model.size()));
                list.remove(victim);
                model.remove(victim);
                list.remove(victim); // removing twice is harmless
            }
            assertThat(list.size()).isEqualTo(model.size());
        }
        List<Long> uids = new ArrayList<>(model);
        for (int i = 0; i < uids.size(); i++) {
            assertThat(list.uidAt(i + 1)).isEqualTo(uids.get(i));
            assertThat(list.seqOf(uids.get(i))).isEqualTo(i + 1);
        }
        assertThat(list.seqOf(next + 10)).isZero();
        List<Long> iterated = new ArrayList<>();
        list.forEach(iterated::add);
        assertThat(iterated).isEqualTo(uids);
        assertThat(list.max()).isEqualTo(model.last());
    }
}
