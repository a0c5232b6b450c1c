// Command fake-kubelet stands in for the kubelets of the gameday test control plane.
//
// It registers a few Ready nodes and keeps them alive (a Lease in kube-node-lease and the
// NodeReady condition, renewed every --heartbeat), and plays the kubelet's part for every
// pod the real kube-scheduler binds to one of them:
//
//   - bound          → Pending, container waiting ContainerCreating   (after --creating-after)
//   - ContainerCreating → Running, Ready                              (after --running-after more)
//   - deletionTimestamp set → the pod is deleted (grace 0, UID precondition) once the
//     deletionTimestamp has passed, i.e. after its grace period (or --stop-after, if
//     shorter); at once if it never ran
//   - label or annotation testbed.gameday.dev/crash=true → the container crash-loops:
//     lastState terminated (exit 1), state waiting CrashLoopBackOff, restartCount up by one
//     every --crash-interval, Ready false, and a Warning event BackOff; removing it lets
//     the container run and become Ready again (restartCount stays)
//
// No container runs anywhere: status is all there is. Addresses are on loopback only
// (nodes 127.0.0.1, pods 127.244.x.y), so nothing that follows them leaves the machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// CrashKey on a pod's labels or annotations, with the value "true", makes it crash-loop.
const CrashKey = "testbed.gameday.dev/crash"

type options struct {
	kubeconfig    string
	nodes         []string
	creatingAfter time.Duration
	runningAfter  time.Duration
	crashInterval time.Duration
	stopAfter     time.Duration
	heartbeat     time.Duration
	maxPods       string
	cpu           string
	memory        string
	qps           float64
	burst         int
	workers       int
}

func main() {
	var o options
	var nodes string
	flag.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig of a user allowed to manage nodes, leases, pods/status and events (required)")
	flag.StringVar(&nodes, "nodes", "node-a,node-b,node-c", "names of the fake nodes, comma-separated")
	flag.DurationVar(&o.creatingAfter, "creating-after", 300*time.Millisecond, "from binding to ContainerCreating")
	flag.DurationVar(&o.runningAfter, "running-after", 700*time.Millisecond, "from ContainerCreating to Running and Ready")
	flag.DurationVar(&o.crashInterval, "crash-interval", 2*time.Second, "time between two restarts of a crash-looping container")
	flag.DurationVar(&o.stopAfter, "stop-after", 0, "if set, a deleted pod's containers stop this long after the deletion request when that comes before the end of its grace period (0: every container uses its whole grace period, like a process that ignores SIGTERM)")
	flag.DurationVar(&o.heartbeat, "heartbeat", 10*time.Second, "node Lease and NodeReady renewal period")
	flag.StringVar(&o.maxPods, "max-pods", "5000", "pods capacity of each node")
	flag.StringVar(&o.cpu, "cpu", "1000", "cpu capacity of each node")
	flag.StringVar(&o.memory, "memory", "4Ti", "memory capacity of each node")
	flag.Float64Var(&o.qps, "qps", 500, "client QPS towards the API server")
	flag.IntVar(&o.burst, "burst", 1000, "client burst towards the API server")
	flag.IntVar(&o.workers, "workers", 8, "pods handled in parallel")
	klog.InitFlags(nil)
	flag.Parse()
	if o.kubeconfig == "" {
		fmt.Fprintln(os.Stderr, "fake-kubelet: --kubeconfig is required")
		os.Exit(2)
	}
	for _, n := range strings.Split(nodes, ",") {
		if n = strings.TrimSpace(n); n != "" {
			o.nodes = append(o.nodes, n)
		}
	}
	for _, q := range []string{o.maxPods, o.cpu, o.memory} {
		if _, err := resource.ParseQuantity(q); err != nil {
			klog.Fatalf("fake-kubelet: bad quantity %q: %v", q, err)
		}
	}

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	if err := run(ctx, o); err != nil {
		klog.Fatalf("fake-kubelet: %v", err)
	}
	klog.Info("fake-kubelet: stopped")
}

type kubelet struct {
	o         options
	cs        kubernetes.Interface
	nodeSet   map[string]bool
	pods      corelisters.PodLister
	queue     workqueue.TypedRateLimitingInterface[string]
	recorders map[string]record.EventRecorder

	mu      sync.Mutex
	seen    map[types.UID]time.Time // when the pod was first seen bound to one of our nodes
	crashAt map[types.UID]time.Time // when a crash-looping container restarts next
	ips     map[types.UID]string
	nextIP  uint32
}

func run(ctx context.Context, o options) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS = float32(o.qps)
	cfg.Burst = o.burst
	cfg.UserAgent = "fake-kubelet"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}

	k := &kubelet{
		o:       o,
		cs:      cs,
		nodeSet: map[string]bool{},
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.NewTypedItemExponentialFailureRateLimiter[string](
			50*time.Millisecond, 5*time.Second)),
		recorders: map[string]record.EventRecorder{},
		seen:      map[types.UID]time.Time{},
		crashAt:   map[types.UID]time.Time{},
		ips:       map[types.UID]string{},
	}
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: cs.CoreV1().Events("")})
	defer broadcaster.Shutdown()
	for _, n := range o.nodes {
		k.nodeSet[n] = true
		k.recorders[n] = broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: n})
	}

	// Nodes first, so that the scheduler has somewhere to put pods.
	for _, n := range o.nodes {
		if err := k.heartbeat(ctx, n); err != nil {
			return fmt.Errorf("registering node %s: %w", n, err)
		}
	}
	klog.Infof("fake-kubelet: nodes %v registered", o.nodes)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(o.heartbeat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				for _, n := range o.nodes {
					if err := k.heartbeat(ctx, n); err != nil && ctx.Err() == nil {
						klog.Errorf("fake-kubelet: heartbeat of %s: %v", n, err)
					}
				}
			}
		}
	}()

	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0,
		informers.WithTweakListOptions(func(lo *metav1.ListOptions) { lo.FieldSelector = "spec.nodeName!=" }))
	podInformer := factory.Core().V1().Pods()
	k.pods = podInformer.Lister()
	enqueue := func(obj interface{}) {
		if pod, ok := obj.(*corev1.Pod); ok && k.nodeSet[pod.Spec.NodeName] {
			if key, err := cache.MetaNamespaceKeyFunc(pod); err == nil {
				k.queue.Add(key)
			}
		}
	}
	if _, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj interface{}) { enqueue(obj) },
		DeleteFunc: func(obj interface{}) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				k.forget(pod.UID)
			}
		},
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), podInformer.Informer().HasSynced) {
		return errors.New("pod informer did not sync")
	}
	klog.Info("fake-kubelet: watching pods")

	for i := 0; i < o.workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k.processNext(ctx) {
			}
		}()
	}
	<-ctx.Done()
	k.queue.ShutDown()
	factory.Shutdown()
	wg.Wait()
	return nil
}

func (k *kubelet) forget(uid types.UID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.seen, uid)
	delete(k.crashAt, uid)
	delete(k.ips, uid)
}

func (k *kubelet) processNext(ctx context.Context) bool {
	key, quit := k.queue.Get()
	if quit {
		return false
	}
	defer k.queue.Done(key)
	if err := k.sync(ctx, key); err != nil {
		if ctx.Err() != nil {
			return true
		}
		if !apierrors.IsConflict(err) {
			klog.Errorf("fake-kubelet: pod %s: %v", key, err)
		}
		k.queue.AddRateLimited(key)
		return true
	}
	k.queue.Forget(key)
	return true
}

// sync moves one pod along; anything due later is put back on the queue for then.
func (k *kubelet) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := k.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if !k.nodeSet[pod.Spec.NodeName] {
		return nil
	}
	now := time.Now()

	if pod.DeletionTimestamp != nil {
		terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
		started := pod.Status.Phase == corev1.PodRunning
		due := pod.DeletionTimestamp.Time
		if k.o.stopAfter > 0 && pod.DeletionGracePeriodSeconds != nil {
			// deletionTimestamp is the request's time plus the grace period
			requested := due.Add(-time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second)
			if t := requested.Add(k.o.stopAfter); t.Before(due) {
				due = t
			}
		}
		if started && !terminal && now.Before(due) {
			k.queue.AddAfter(key, due.Sub(now)+10*time.Millisecond)
			return nil
		}
		return k.finishDeletion(ctx, pod)
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return nil
	}

	seen := k.firstSeen(pod.UID, now)
	crash := wantsCrash(pod)
	switch stageOf(pod) {
	case stageNew:
		due := seen.Add(k.o.creatingAfter)
		if now.Before(due) {
			k.queue.AddAfter(key, due.Sub(now))
			return nil
		}
		if err := k.updateStatus(ctx, pod, k.creatingStatus(pod, now)); err != nil {
			return err
		}
		k.queue.AddAfter(key, k.o.runningAfter)
	case stageCreating:
		due := seen.Add(k.o.creatingAfter + k.o.runningAfter)
		if now.Before(due) {
			k.queue.AddAfter(key, due.Sub(now))
			return nil
		}
		if crash {
			return k.crash(ctx, key, pod, now)
		}
		return k.updateStatus(ctx, pod, k.runningStatus(pod, now))
	case stageRunning:
		if crash {
			k.mu.Lock()
			next, ok := k.crashAt[pod.UID]
			k.mu.Unlock()
			if ok && now.Before(next) && crashLooping(pod) {
				k.queue.AddAfter(key, next.Sub(now))
				return nil
			}
			return k.crash(ctx, key, pod, now)
		}
		k.mu.Lock()
		delete(k.crashAt, pod.UID)
		k.mu.Unlock()
		if !allRunning(pod) {
			return k.updateStatus(ctx, pod, k.runningStatus(pod, now))
		}
	}
	return nil
}

func (k *kubelet) firstSeen(uid types.UID, now time.Time) time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	if t, ok := k.seen[uid]; ok {
		return t
	}
	k.seen[uid] = now
	return now
}

func (k *kubelet) podIP(uid types.UID) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ip, ok := k.ips[uid]; ok {
		return ip
	}
	k.nextIP++
	n := k.nextIP
	ip := fmt.Sprintf("127.244.%d.%d", (n/250)%256, 1+n%250)
	k.ips[uid] = ip
	return ip
}

// finishDeletion is the kubelet's last word on a pod: its containers are gone, so the
// object is deleted at once, and only if it is still the same pod.
func (k *kubelet) finishDeletion(ctx context.Context, pod *corev1.Pod) error {
	zero := int64(0)
	uid := pod.UID
	err := k.cs.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &uid},
	})
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		k.forget(uid)
		return nil
	}
	return err
}

func (k *kubelet) crash(ctx context.Context, key string, pod *corev1.Pod, now time.Time) error {
	k.mu.Lock()
	k.crashAt[pod.UID] = now.Add(k.o.crashInterval)
	k.mu.Unlock()
	if err := k.updateStatus(ctx, pod, k.crashStatus(pod, now)); err != nil {
		k.mu.Lock()
		delete(k.crashAt, pod.UID)
		k.mu.Unlock()
		return err
	}
	if rec := k.recorders[pod.Spec.NodeName]; rec != nil {
		for _, c := range pod.Spec.Containers {
			ref := &corev1.ObjectReference{
				Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
				ResourceVersion: pod.ResourceVersion, FieldPath: fmt.Sprintf("spec.containers{%s}", c.Name),
			}
			rec.Eventf(ref, corev1.EventTypeWarning, "BackOff",
				"Back-off restarting failed container %s in pod %s_%s(%s)", c.Name, pod.Name, pod.Namespace, pod.UID)
		}
	}
	if pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
		k.queue.AddAfter(key, k.o.crashInterval)
	}
	return nil
}

func (k *kubelet) updateStatus(ctx context.Context, pod *corev1.Pod, st corev1.PodStatus) error {
	p := pod.DeepCopy()
	p.Status = st
	_, err := k.cs.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{FieldManager: "fake-kubelet"})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// --- pod status -------------------------------------------------------------------

type stage int

const (
	stageNew stage = iota
	stageCreating
	stageRunning
)

func stageOf(pod *corev1.Pod) stage {
	if pod.Status.Phase == corev1.PodRunning {
		return stageRunning
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Waiting != nil && cs.State.Waiting.Reason == "ContainerCreating" {
			return stageCreating
		}
	}
	return stageNew
}

func wantsCrash(pod *corev1.Pod) bool {
	return pod.Labels[CrashKey] == "true" || pod.Annotations[CrashKey] == "true"
}

func crashLooping(pod *corev1.Pod) bool {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" {
			return false
		}
	}
	return len(pod.Status.ContainerStatuses) > 0
}

func allRunning(pod *corev1.Pod) bool {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Running == nil || !cs.Ready {
			return false
		}
	}
	return len(pod.Status.ContainerStatuses) == len(pod.Spec.Containers)
}

func restarts(pod *corev1.Pod, name string) int32 {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == name {
			return cs.RestartCount
		}
	}
	return 0
}

func setCondition(st *corev1.PodStatus, t corev1.PodConditionType, ok bool, reason, message string, now metav1.Time) {
	status := corev1.ConditionFalse
	if ok {
		status = corev1.ConditionTrue
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Type != t {
			continue
		}
		if c.Status != status {
			c.LastTransitionTime = now
		}
		c.Status, c.Reason, c.Message = status, reason, message
		return
	}
	st.Conditions = append(st.Conditions, corev1.PodCondition{
		Type: t, Status: status, Reason: reason, Message: message, LastTransitionTime: now,
	})
}

func containerNames(pod *corev1.Pod) string {
	names := make([]string, 0, len(pod.Spec.Containers))
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	return "[" + strings.Join(names, " ") + "]"
}

// base is the part of the status common to every stage after binding.
func (k *kubelet) base(pod *corev1.Pod, now metav1.Time, phase corev1.PodPhase) corev1.PodStatus {
	st := *pod.Status.DeepCopy()
	st.Phase = phase
	st.HostIP = "127.0.0.1"
	st.HostIPs = []corev1.HostIP{{IP: "127.0.0.1"}}
	if st.StartTime == nil {
		st.StartTime = &now
	}
	setCondition(&st, corev1.PodScheduled, true, "", "", now)
	setCondition(&st, corev1.PodInitialized, true, "", "", now)
	st.InitContainerStatuses = nil
	for _, c := range pod.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: imageID(c.Image),
			ContainerID: containerID(pod, c.Name, 0),
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 0, Reason: "Completed", StartedAt: now, FinishedAt: now,
				ContainerID: containerID(pod, c.Name, 0),
			}},
			Ready: true,
		})
	}
	return st
}

func (k *kubelet) creatingStatus(pod *corev1.Pod, t time.Time) corev1.PodStatus {
	now := metav1.NewTime(t)
	st := k.base(pod, now, corev1.PodPending)
	setCondition(&st, corev1.PodReadyToStartContainers, false, "", "", now)
	msg := "containers with unready status: " + containerNames(pod)
	setCondition(&st, corev1.ContainersReady, false, "ContainersNotReady", msg, now)
	setCondition(&st, corev1.PodReady, false, "ContainersNotReady", msg, now)
	st.ContainerStatuses = nil
	f := false
	for _, c := range pod.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, Started: &f,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}},
		})
	}
	return st
}

func (k *kubelet) runningStatus(pod *corev1.Pod, t time.Time) corev1.PodStatus {
	now := metav1.NewTime(t)
	st := k.base(pod, now, corev1.PodRunning)
	ip := k.podIP(pod.UID)
	st.PodIP = ip
	st.PodIPs = []corev1.PodIP{{IP: ip}}
	setCondition(&st, corev1.PodReadyToStartContainers, true, "", "", now)
	setCondition(&st, corev1.ContainersReady, true, "", "", now)
	setCondition(&st, corev1.PodReady, true, "", "", now)
	old := map[string]corev1.ContainerStatus{}
	for _, cs := range pod.Status.ContainerStatuses {
		old[cs.Name] = cs
	}
	st.ContainerStatuses = nil
	tr := true
	for _, c := range pod.Spec.Containers {
		n := restarts(pod, c.Name)
		cs := corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), ContainerID: containerID(pod, c.Name, n),
			Ready: true, Started: &tr, RestartCount: n,
			State:                corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
			LastTerminationState: old[c.Name].LastTerminationState,
		}
		if prev := old[c.Name]; prev.State.Running != nil {
			cs.State.Running.StartedAt = prev.State.Running.StartedAt
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	return st
}

func (k *kubelet) crashStatus(pod *corev1.Pod, t time.Time) corev1.PodStatus {
	now := metav1.NewTime(t)
	phase := corev1.PodRunning
	if pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
		phase = corev1.PodFailed
	}
	st := k.base(pod, now, phase)
	ip := k.podIP(pod.UID)
	st.PodIP = ip
	st.PodIPs = []corev1.PodIP{{IP: ip}}
	msg := "containers with unready status: " + containerNames(pod)
	setCondition(&st, corev1.PodReadyToStartContainers, true, "", "", now)
	setCondition(&st, corev1.ContainersReady, false, "ContainersNotReady", msg, now)
	setCondition(&st, corev1.PodReady, false, "ContainersNotReady", msg, now)
	st.ContainerStatuses = nil
	f := false
	for _, c := range pod.Spec.Containers {
		n := restarts(pod, c.Name)
		started := now
		if st.StartTime != nil {
			started = *st.StartTime
		}
		term := &corev1.ContainerStateTerminated{
			ExitCode: 1, Reason: "Error", StartedAt: started, FinishedAt: now,
			ContainerID: containerID(pod, c.Name, n),
		}
		cs := corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), ContainerID: containerID(pod, c.Name, n),
			Ready: false, Started: &f,
		}
		if phase == corev1.PodFailed {
			cs.State = corev1.ContainerState{Terminated: term}
		} else {
			cs.RestartCount = n + 1
			cs.LastTerminationState = corev1.ContainerState{Terminated: term}
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
				Reason: "CrashLoopBackOff",
				Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
					k.o.crashInterval, c.Name, pod.Name, pod.Namespace, pod.UID),
			}}
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	return st
}

func imageID(image string) string {
	if image == "" {
		return ""
	}
	return image + "@sha256:" + strings.Repeat("0", 64)
}

func containerID(pod *corev1.Pod, name string, restart int32) string {
	return fmt.Sprintf("testbed://%s-%s-%d", pod.UID, name, restart)
}

// --- nodes ------------------------------------------------------------------------

func (k *kubelet) nodeObject(name string, now metav1.Time) *corev1.Node {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(k.o.cpu),
		corev1.ResourceMemory:           resource.MustParse(k.o.memory),
		corev1.ResourcePods:             resource.MustParse(k.o.maxPods),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				"kubernetes.io/hostname":      name,
				"kubernetes.io/os":            "linux",
				"kubernetes.io/arch":          "amd64",
				"topology.kubernetes.io/zone": "zone-" + strings.TrimPrefix(name, "node-"),
				"testbed.gameday.dev/fake":    "true",
			},
			Annotations: map[string]string{"node.alpha.kubernetes.io/ttl": "0"},
		},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity,
			Phase:       corev1.NodeRunning,
			Conditions:  nodeConditions(nil, now),
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: "127.0.0.1"},
				{Type: corev1.NodeHostName, Address: name},
			},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
			NodeInfo: corev1.NodeSystemInfo{
				MachineID: name, SystemUUID: name, BootID: name,
				KernelVersion: "testbed", OSImage: "gameday testbed (no containers run)",
				ContainerRuntimeVersion: "testbed://0", KubeletVersion: "v1.37.2",
				OperatingSystem: "linux", Architecture: "amd64",
			},
		},
	}
}

func nodeConditions(old []corev1.NodeCondition, now metav1.Time) []corev1.NodeCondition {
	want := []struct {
		t       corev1.NodeConditionType
		status  corev1.ConditionStatus
		reason  string
		message string
	}{
		{corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
		{corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
		{corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
		{corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"},
	}
	var out []corev1.NodeCondition
	for _, w := range want {
		c := corev1.NodeCondition{Type: w.t, Status: w.status, Reason: w.reason, Message: w.message,
			LastHeartbeatTime: now, LastTransitionTime: now}
		for _, o := range old {
			if o.Type == w.t && o.Status == w.status {
				c.LastTransitionTime = o.LastTransitionTime
			}
		}
		out = append(out, c)
	}
	return out
}

// heartbeat registers the node if it is missing, renews its NodeReady condition and its
// Lease, and drops the not-ready taint that node admission puts on new nodes (the node
// lifecycle controller would too, a few seconds later).
func (k *kubelet) heartbeat(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	now := metav1.Now()
	nodes := k.cs.CoreV1().Nodes()
	node, err := nodes.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if node, err = nodes.Create(ctx, k.nodeObject(name, now), metav1.CreateOptions{}); err != nil {
			return err
		}
		var keep []corev1.Taint
		for _, t := range node.Spec.Taints {
			if t.Key != "node.kubernetes.io/not-ready" {
				keep = append(keep, t)
			}
		}
		if len(keep) != len(node.Spec.Taints) {
			node.Spec.Taints = keep
			if node, err = nodes.Update(ctx, node, metav1.UpdateOptions{}); err != nil {
				return err
			}
		}
	} else if err != nil {
		return err
	}
	fresh := k.nodeObject(name, now)
	node.Status.Capacity = fresh.Status.Capacity
	node.Status.Allocatable = fresh.Status.Allocatable
	node.Status.Addresses = fresh.Status.Addresses
	node.Status.NodeInfo = fresh.Status.NodeInfo
	node.Status.DaemonEndpoints = fresh.Status.DaemonEndpoints
	node.Status.Conditions = nodeConditions(node.Status.Conditions, now)
	if node, err = nodes.UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return err
	}

	leases := k.cs.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	duration := int32(40)
	micro := metav1.NewMicroTime(now.Time)
	lease, err := leases.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{
				Name: name, Namespace: corev1.NamespaceNodeLease,
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: "v1", Kind: "Node", Name: name, UID: node.UID,
				}},
			},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &name, LeaseDurationSeconds: &duration, RenewTime: &micro},
		}, metav1.CreateOptions{})
		return err
	} else if err != nil {
		return err
	}
	lease.Spec.HolderIdentity = &name
	lease.Spec.LeaseDurationSeconds = &duration
	lease.Spec.RenewTime = &micro
	_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	return err
}
