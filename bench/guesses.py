"""Password guessing against one node's IMAP, as an attacker would: ADDRESSES source addresses
(127.0.10.1 ...), CONNECTIONS connections from each, every connection sending LOGIN with a wrong
password for one account as fast as the answers come, for at most SECONDS. Reports how many guesses
were checked (NO [AUTHENTICATIONFAILED]) and refused unchecked (NO [UNAVAILABLE]) per address, when
each address was blocked, and the guesses an hour this gives with the node's block_time.
   python3 guesses.py HOST PORT ACCOUNT ADDRESSES CONNECTIONS SECONDS BLOCK_SECONDS"""
import socket, sys, threading, time

host, port, account = sys.argv[1], int(sys.argv[2]), sys.argv[3]
addresses, connections, seconds, block = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
start = time.monotonic()
lock = threading.Lock()
checked, refused, last_checked = {}, {}, {}

def attack(source):
    try:
        s = socket.create_connection((host, port), 600, source_address=(source, 0))
        f = s.makefile("rb")
        f.readline()
        n = 0
        while time.monotonic() - start < seconds:
            n += 1
            s.sendall(b"g%d LOGIN %s wrong-%s-%d\r\n" % (n, account.encode(), source.encode(), n))
            while True:
                line = f.readline()
                if not line: return
                if line.startswith(b"g%d " % n): break
            with lock:
                if b"[UNAVAILABLE]" in line:
                    refused[source] = refused.get(source, 0) + 1
                else:
                    checked[source] = checked.get(source, 0) + 1
                    last_checked[source] = time.monotonic() - start
            if b"[UNAVAILABLE]" in line: time.sleep(1)  # blocked: keep knocking, slowly
        s.close()
    except OSError as e:
        print("connection from", source, "ended:", e, file=sys.stderr)

threads = [threading.Thread(target=attack, args=("127.0.10.%d" % (1 + a),), daemon=True)
           for a in range(addresses) for _ in range(connections)]
for t in threads: t.start()
for t in threads: t.join(seconds + 60)
elapsed = time.monotonic() - start
total = sum(checked.values())
print("%d addresses x %d connections for %.0f s: %d guesses checked, %d refused unchecked"
      % (addresses, connections, elapsed, total, sum(refused.values())))
blocked = [a for a in checked if refused.get(a)]
if blocked:
    times = sorted(last_checked[a] for a in blocked)
    print("blocked: %d of %d addresses, after %d-%d guesses each, %.0f-%.0f s after the start"
          % (len(blocked), addresses, min(checked[a] for a in blocked), max(checked[a] for a in blocked), times[0], times[-1]))
# Each address guesses until blocked, waits block_time, and starts afresh (its failures have left
# the window by then): per hour, its guesses per cycle over the cycle's length.
per_hour = sum(checked[a] * 3600 / (last_checked[a] + block) if refused.get(a) else checked[a] * 3600 / elapsed for a in checked)
print("guesses an hour: %.0f (%.0f per address)" % (per_hour, per_hour / max(1, len(checked))))
